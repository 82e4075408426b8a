import { Writable } from 'node:stream';
import { startTestServer, errorCode, type TestServer } from '../support/server';

// Finding 16: a client's mistakes are client errors, logged low; the schema is not spelled out.
let server: TestServer;
const lines: string[] = [];
beforeAll(async () => {
  const logStream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  server = await startTestServer({ LOG_LEVEL: 'debug', GRAPHQL_INTROSPECTION: 'false' }, undefined, { logStream });
});
afterAll(() => server?.close());

async function post(body: unknown) {
  const response = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, ...((await response.json()) as { errors?: { message: string; extensions?: Record<string, unknown> }[] }) };
}
const errorLines = () => lines.filter((line) => /"level":(50|60)/.test(line));

describe('malformed requests', () => {
  const malformed: [string, unknown][] = [
    ['a persisted-query hash that does not match', { query: '{ __typename }', extensions: { persistedQuery: { version: 1, sha256Hash: 'abc' } } }],
    ['an unsupported persisted-query version', { extensions: { persistedQuery: { version: 2, sha256Hash: 'abc' } } }],
    ['a subscription sent over HTTP', { query: 'subscription { securityEvents { id } }' }],
  ];
  it.each(malformed)('%s is BAD_REQUEST, not a server error, and not logged as one', async (_what, body) => {
    const before = errorLines().length;
    const answer = await post(body);
    expect(answer.errors?.[0]?.extensions?.code).toBe('BAD_REQUEST');
    expect(answer.errors?.[0]?.message).not.toBe('Internal server error');
    expect(errorLines().length).toBe(before);
  });
});

describe('suggestions with introspection off', () => {
  it('do not name enum values or fields', async () => {
    const enumValue = await server.gql('mutation { requestPasswordReset(email: "a@example.test", locale: kk) }');
    const field = await server.gql('{ mee { id } }');
    for (const answer of [enumValue, field]) {
      expect(errorCode(answer)).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(JSON.stringify(answer.errors)).not.toMatch(/Did you mean|"ko"|"me"/);
    }
  });
});
