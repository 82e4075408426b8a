import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { postGraphql } from '../support/server';

const ROOT = resolve(__dirname, '../..');
import { describeWith } from '../support/requirements';

interface Primary {
  child: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<number | string | null>;
}

/** The compiled server with WEB_CONCURRENCY=2 on a random port, as an operator starts it. */
async function startPrimary(database: TestDatabase, dataDir: string): Promise<Primary> {
  const child = spawn(process.execPath, [join(ROOT, 'dist/src/main.js')], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      WEB_CONCURRENCY: '2',
      DATABASE_URL: database.url!,
      JWT_SECRET: randomBytes(48).toString('base64'),
      CODE_SECRET: randomBytes(48).toString('base64'),
      ENCRYPTION_KEY: randomBytes(48).toString('base64'),
      DATA_DIR: dataDir,
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'info',
      // Budgets per worker are the point of REDIS_URL; this test is about processes, not limits.
      RATE_LIMIT_ENABLED: 'false',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const exited = new Promise<number | string | null>((done) => child.once('exit', (code, signal) => done(code ?? signal)));
  const url = await waitFor(
    () => /listening: GraphQL at (\S+) \(2 workers\)/.exec(text)?.[1],
    60_000,
    () => `no ready line:\n${text}`,
  );
  return { child, url, output: () => text, exited };
}

async function waitFor<T>(probe: () => T | undefined | Promise<T | undefined>, timeoutMs: number, why: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(why());
}

/** Live worker pids of the primary, from /proc. */
function workerPids(primary: number): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(primary)], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return []; // pgrep exits 1 when there are none
  }
}

async function typename(url: string): Promise<string | undefined> {
  const ask = async () => (await postGraphql<{ __typename: string }>(url, '{ __typename }')).data?.__typename;
  // A kept-alive socket to a worker that was just killed resets; a client's retry gets a live one.
  return ask().catch(ask);
}

// Cluster mode needs a real PostgreSQL: the embedded one serves a single process.
describeWith(['postgres'], 'WEB_CONCURRENCY=2', () => {
  let database: TestDatabase;
  let dataDir: string;
  let primary: Primary | undefined;

  beforeAll(async () => {
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'ignore' });
    database = await createTestDatabase();
    dataDir = mkdtempSync(join(tmpdir(), 'girok-cluster-'));
    primary = await startPrimary(database, dataDir);
  }, 180_000);

  afterAll(async () => {
    if (primary && primary.child.exitCode === null && primary.child.signalCode === null) {
      primary.child.kill('SIGKILL');
      for (const pid of workerPids(primary.child.pid!)) process.kill(pid, 'SIGKILL');
    }
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves on one port from two workers, with the schema migrated once', async () => {
    expect(workerPids(primary!.child.pid!)).toHaveLength(2);
    const answers = await Promise.all(Array.from({ length: 20 }, () => typename(primary!.url)));
    expect(answers).toEqual(Array(20).fill('Query'));
    expect(primary!.output().match(/applied database migrations/g)).toHaveLength(1);
  });

  it('replaces a worker that dies, and serves on meanwhile', async () => {
    const [victim, survivor] = workerPids(primary!.child.pid!);
    process.kill(victim, 'SIGKILL');
    expect(await typename(primary!.url)).toBe('Query');
    const replaced = await waitFor(
      () => {
        const pids = workerPids(primary!.child.pid!);
        return pids.length === 2 && !pids.includes(victim) ? pids : undefined;
      },
      60_000,
      () => `no replacement worker:\n${primary!.output()}`,
    );
    expect(replaced).toContain(survivor);
    await waitFor(
      () => primary!.output().match(/Girok Auth is ready/g)?.length === 3,
      60_000,
      () => 'replacement never ready',
    );
    expect(await typename(primary!.url)).toBe('Query');
  }, 120_000);

  it('drains every worker on SIGTERM: requests in flight finish, then all exit 0', async () => {
    const pids = workerPids(primary!.child.pid!);
    const arrivals = () => primary!.output().match(/"url":"\/graphql"[^\n]*"incoming request"/g)?.length ?? 0;
    const before = arrivals();
    // register hashes with production argon2 parameters: tens of ms, so it is in flight at the signal.
    const inFlight = Array.from({ length: 6 }, (_, i) =>
      postGraphql(primary!.url, 'mutation($input: RegisterInput!) { register(input: $input) { email } }', {
        input: { email: `drain-${i}-${randomBytes(3).toString('hex')}@example.test`, password: 'correct horse battery staple' },
      }),
    );
    await waitFor(
      () => arrivals() - before === 6,
      10_000,
      () => 'the requests never arrived',
    );
    primary!.child.kill('SIGTERM');
    const responses = await Promise.all(inFlight);
    expect(responses.map((r) => r.status)).toEqual(Array(6).fill(200));
    expect(responses.every((r) => !r.errors)).toBe(true);
    const code = await primary!.exited;
    // The log says which worker held on, if one did.
    if (code !== 0) throw new Error(`primary exited with ${code}:\n${primary!.output().slice(-6000)}`);
    expect(pids.filter((pid) => existsProcess(pid))).toEqual([]);
  }, 60_000);
});

function existsProcess(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
