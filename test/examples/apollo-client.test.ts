import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { CombinedGraphQLErrors } from '@apollo/client';
import { createGirokClient, LoginDocument, LogoutDocument, MeDocument, SessionsDocument, tokenPair, type GirokClient } from '../../examples/apollo-client/src';
import { startTestServer, type TestServer } from '../support/server';
import { createVerifiedUser } from '../support/flows';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let server: TestServer;
beforeAll(async () => {
  // Two-second access tokens, so the test can watch them expire. (With one second, a token
  // issued late in a second, as exp counts whole seconds, could die before its first use.)
  server = await startTestServer({ ACCESS_TOKEN_TTL: '2' });
});
afterAll(() => server?.close());

/** A client whose fetch counts the refreshToken calls it makes. */
function clientWithCounter(onSessionEnded?: (code: string) => void): GirokClient & { refreshes: () => number } {
  let refreshes = 0;
  const counting: typeof fetch = (input, init) => {
    if (typeof init?.body === 'string' && JSON.parse(init.body).operationName === 'Refresh') refreshes++;
    return fetch(input, init);
  };
  return { ...createGirokClient({ uri: server.url, fetch: counting, onSessionEnded }), refreshes: () => refreshes };
}

async function signIn(girok: GirokClient): Promise<string> {
  const { email, password } = await createVerifiedUser(server);
  const { data } = await girok.client.mutate({ mutation: LoginDocument, variables: { input: { email, password } } });
  girok.store.set(tokenPair(data!.login));
  return email;
}

describe('Apollo Client example', () => {
  it('refreshes an expired access token before sending, so `me` still answers', async () => {
    const girok = clientWithCounter();
    const email = await signIn(girok);
    const before = girok.store.get()!;
    await sleep(3100);

    const { data } = await girok.client.query({ query: MeDocument, fetchPolicy: 'network-only' });
    expect(data?.me?.email).toBe(email);
    expect(girok.refreshes()).toBe(1);
    expect(girok.store.get()!.refreshToken).not.toBe(before.refreshToken);
    expect(girok.store.get()!.accessToken).not.toBe(before.accessToken);
  });

  it('on UNAUTHENTICATED refreshes once for concurrent requests, retries them and stores the rotated pair', async () => {
    const girok = clientWithCounter();
    await signIn(girok);
    await sleep(3100);
    // Pretend the client believes its token is still good: the server's UNAUTHENTICATED must drive the refresh.
    const stale = { ...girok.store.get()!, refreshAt: Date.now() + 3600_000 };
    girok.store.set(stale);

    const results = await Promise.all([1, 2, 3].map(() => girok.client.query({ query: SessionsDocument, fetchPolicy: 'network-only' })));
    for (const { data } of results) expect(data?.sessions.some((s) => s.current)).toBe(true);
    expect(girok.refreshes()).toBe(1);
    const rotated = girok.store.get()!;
    expect(rotated.refreshToken).not.toBe(stale.refreshToken);

    // The rotated refresh token is the one that works next time.
    await sleep(3100);
    const { data } = await girok.client.query({ query: SessionsDocument, fetchPolicy: 'network-only' });
    expect(data?.sessions.length).toBeGreaterThan(0);
    expect(girok.refreshes()).toBe(2);
  });

  it('ends the session, without looping, when the refresh token is refused', async () => {
    const ended: string[] = [];
    const girok = clientWithCounter((code) => ended.push(code));
    await signIn(girok);
    await girok.client.mutate({ mutation: LogoutDocument, variables: { refreshToken: girok.store.get()!.refreshToken } });
    girok.store.set({ ...girok.store.get()!, refreshAt: Date.now() + 3600_000 });
    await sleep(3100);

    const failure = await girok.client.query({ query: SessionsDocument, fetchPolicy: 'network-only' }).catch((error: unknown) => error);
    expect(CombinedGraphQLErrors.is(failure) && failure.errors[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect(girok.refreshes()).toBe(1);
    expect(ended).toHaveLength(1);
    expect(girok.store.get()).toBeNull();
  });
});

describe('codegen', () => {
  it('the generated operations match schema.graphql and type-check (npm run codegen:check)', () => {
    const root = resolve(__dirname, '../..');
    expect(() => execFileSync('npm', ['run', '--silent', 'codegen:check'], { cwd: root, stdio: 'pipe', timeout: 120_000 })).not.toThrow();
  }, 150_000);
});
