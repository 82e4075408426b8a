import { getIntrospectionQuery } from 'graphql';
import { loadConfig } from '../../src/config';
import { startTestServer, errorCode, postGraphql, type TestServer } from '../support/server';
import { LOGIN, PASSWORD, createVerifiedUser, uniqueEmail } from '../support/flows';

let server: TestServer;
let hidden: TestServer;
beforeAll(async () => {
  server = await startTestServer();
  // What production answers by default: introspection off, so suggestions are masked too.
  hidden = await startTestServer({ GRAPHQL_INTROSPECTION: 'false' });
});
afterAll(() => Promise.all([server?.close(), hidden?.close()]));

describe('one request, one attempt', () => {
  it('refuses aliased logins before any resolver runs, so no failure is counted', async () => {
    const { email, password } = await createVerifiedUser(server);
    const guesses = Array.from({ length: 10 }, (_, i) => `g${i}: login(input: { email: "${email}", password: "guess ${i}" }) { accessToken }`);
    const response = await server.gql(`mutation { ${guesses.join('\n')} }`);
    expect(response.status).toBe(400);
    expect(response.data).toBeUndefined();
    expect(errorCode(response)).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(response.errors![0].message).toMatch(/one sign-in mutation/);
    // Had they run, 10 failures would have locked the account.
    expect((await server.gql(LOGIN, { input: { email, password } })).data?.login.tokenType).toBe('Bearer');
  });

  it.each([
    ['a repeated field', 'mutation { login(input: $a) { accessToken } login(input: $a) { accessToken } }'],
    ['two different auth mutations', 'mutation { login(input: $a) { accessToken } verifyEmail(input: { email: "a@b.co", code: "123456" }) { accessToken } }'],
    [
      'one hidden in a fragment',
      'mutation { login(input: $a) { accessToken } ...Again } fragment Again on Mutation { other: login(input: $a) { accessToken } }',
    ],
    ['one hidden in an inline fragment', 'mutation { login(input: $a) { accessToken } ... on Mutation { other: login(input: $a) { accessToken } } }'],
  ])('refuses %s', async (_, body) => {
    const query = body.replace('mutation {', 'mutation ($a: LoginInput!) {');
    const response = await server.gql(query, { a: { email: uniqueEmail(), password: PASSWORD } });
    expect(response.status).toBe(400);
    expect(errorCode(response)).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('refuses a batched HTTP request', async () => {
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ query: LOGIN, variables: { input: { email: uniqueEmail(), password: 'a' } } }, { query: '{ __typename }' }]),
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/batch/i);
  });
});

describe('query limits', () => {
  // Each limit answers 400 with a code, before any resolver runs.
  const refused = (response: { status: number; errors?: { extensions?: Record<string, any> }[] }) => {
    expect(response.status).toBe(400);
    expect(['GRAPHQL_VALIDATION_FAILED', 'GRAPHQL_PARSE_FAILED']).toContain(errorCode(response as never));
  };

  it('refuses a query deeper than the limit', async () => {
    // `me` cannot nest, so depth is probed through __type (armor ignores only __schema).
    const response = await server.gql(`{ __type(name: "Query") { fields { type { fields { type { fields { type { fields { type { name } } } } } } } } } }`);
    refused(response);
    expect(response.errors![0].message).toMatch(/depth/i);
  });

  it('refuses too many aliases', async () => {
    const response = await server.gql(`{ ${Array.from({ length: 11 }, (_, i) => `a${i}: me { id }`).join(' ')} }`);
    refused(response);
    expect(response.errors![0].message).toMatch(/alias/i);
  });

  it('refuses too many tokens', async () => {
    const response = await server.gql(`{ ${'__typename '.repeat(1200)} }`);
    refused(response);
    expect(response.errors![0].message).toMatch(/token/i);
  });

  it('refuses too many directives', async () => {
    const response = await server.gql(`{ __typename ${'@include(if: true) '.repeat(11)} }`);
    refused(response);
    expect(response.errors![0].message).toMatch(/directive/i);
  });

  it('still answers the IDE introspection query when introspection is on', async () => {
    const response = await server.gql(getIntrospectionQuery());
    expect(response.errors).toBeUndefined();
    expect(response.data!.__schema.mutationType.name).toBe('Mutation');
  });

  it('refuses a body over the limit before GraphQL sees it', async () => {
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: LOGIN, variables: { input: { email: uniqueEmail(), password: 'x'.repeat(70 * 1024) } } }),
    });
    expect(response.status).toBe(413);
  });

  it('refuses a simple request without a preflight header (CSRF prevention)', async () => {
    const response = await fetch(`${server.url}?query=${encodeURIComponent('{ __typename }')}`, { method: 'GET' });
    const post = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ query: '{ __typename }' }) });
    expect([400, 404, 405]).toContain(response.status);
    expect(post.status).toBe(400);
    expect(await post.text()).toMatch(/CSRF|preflight|content-type/i);
  });
});

describe('schema exposure', () => {
  it('production turns introspection off unless configured', () => {
    const env = {
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://db/x',
      JWT_SECRET: 'j'.repeat(40),
      CODE_SECRET: 'c'.repeat(40),
      ENCRYPTION_KEY: 'e'.repeat(40),
      DATA_DIR: '/nonexistent',
    };
    expect(loadConfig(env).http.introspection).toBe(false);
    expect(loadConfig({ ...env, GRAPHQL_INTROSPECTION: 'true' }).http.introspection).toBe(true);
  });

  it('refuses introspection when it is off', async () => {
    const response = await hidden.gql(getIntrospectionQuery());
    expect(response.status).toBe(400);
    expect(errorCode(response)).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('does not suggest field names when introspection is off', async () => {
    const leaky = await server.gql('{ mee { id } }');
    expect(leaky.errors![0].message).toMatch(/Did you mean "me"/);
    const masked = await hidden.gql('{ mee { id } }');
    expect(errorCode(masked)).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(masked.errors![0].message).not.toMatch(/"me"/);
  });

  it('answers a request error with a code and no stack', async () => {
    const response = await postGraphql<Record<string, unknown>>(hidden.url, 'mutation { login(input: {}) { accessToken } }');
    expect(errorCode(response)).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(JSON.stringify(response.errors)).not.toMatch(/stacktrace|at \w+ \(/);
  });
});
