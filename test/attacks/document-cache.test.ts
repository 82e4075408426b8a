import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seedEmbeddedDatabase } from '../support/database';
import { startInstances, stopInstances, isAlive, type Instance } from '../cluster/instances';

// Finding 8: distinct anonymous documents must not grow the heap without bound.
const HEAP_CAP_MB = 192;
const DOCUMENTS = 1500;
let dataDir: string;
let server: Instance;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'girok-soak-'));
  await seedEmbeddedDatabase(dataDir);
  // A process of its own with a capped heap: a cache that grows past it crashes the process.
  [server] = await startInstances(
    ['soak'],
    { NODE_ENV: 'test', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'warn', DATA_DIR: dataDir, RATE_LIMIT_ENABLED: 'false' },
    '127.0.0.1',
    60_000,
    [`--max-old-space-size=${HEAP_CAP_MB}`],
  );
}, 90_000);
afterAll(async () => {
  if (server) await stopInstances([server]);
  rmSync(dataDir, { recursive: true, force: true });
});

/** Used heap of the server, from its own /metrics. */
async function heapUsedMb(): Promise<number> {
  const text = await (await fetch(server.url.replace(/\/graphql$/, '/metrics'))).text();
  const line = text.split('\n').find((l) => l.startsWith('girok_nodejs_heap_size_used_bytes '))!;
  return Number(line.split(' ')[1]) / 2 ** 20;
}

describe('the parsed-document cache', () => {
  it(`stays bounded under ${DOCUMENTS} distinct valid documents sent by an anonymous client`, async () => {
    const before = await heapUsedMb();
    // Each document is valid, small on the wire (about 4 KiB) and distinct by its name.
    const body = '__typename '.repeat(400);
    for (let i = 0; i < DOCUMENTS; i += 25) {
      await Promise.all(
        Array.from({ length: 25 }, (_, j) =>
          server.gql(`query Soak${i + j} { ${body} }`).then((answer) => expect(answer.data).toEqual({ __typename: 'Query' })),
        ),
      );
    }
    expect(isAlive(server)).toBe(true);
    const after = await heapUsedMb();
    // GRAPHQL_DOCUMENT_CACHE_MB (16) plus the garbage of the last burst, well inside the cap.
    expect(after - before).toBeLessThan(64);
  }, 120_000);
});
