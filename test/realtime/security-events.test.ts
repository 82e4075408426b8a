import { LOGOUT, PASSWORD, bearer, createVerifiedUser, login, uniqueEmail } from '../support/flows';
import { errorCode, startTestServer, type TestServer } from '../support/server';
import { connect, subscribe, SECURITY_EVENTS, type Subscriber } from './socket';

let server: TestServer;
const open: Subscriber[] = [];
beforeAll(async () => {
  server = await startTestServer({ PUBLIC_URL: 'http://localhost:4000', CORS_ORIGINS: 'https://app.example.test' });
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.dispose()));
});
afterAll(() => server?.close());

async function subscribed(accessToken: string, headers: Record<string, string> = {}): Promise<Subscriber> {
  const subscriber = await subscribe(server.app, server.url, accessToken, headers);
  open.push(subscriber);
  return subscriber;
}

describe('securityEvents subscription', () => {
  it('delivers a login from another device as it happens', async () => {
    const user = await createVerifiedUser(server);
    const tab = await subscribed(user.token.accessToken);
    const elsewhere = await login(server, user.email, PASSWORD, { 'user-agent': 'OtherDevice/2.0' });
    const event = await tab.waitFor((e) => e.type === 'LOGIN_SUCCEEDED' && e.userAgent === 'OtherDevice/2.0');
    expect(event.sessionId).not.toBeNull();
    expect(event.ip).toBe('127.0.0.1');
    expect(elsewhere.accessToken).toBeTruthy();
  });

  it("never delivers another user's events", async () => {
    const alice = await createVerifiedUser(server, uniqueEmail('alice'));
    const bob = await createVerifiedUser(server, uniqueEmail('bob'));
    const aliceTab = await subscribed(alice.token.accessToken);
    const bobTab = await subscribed(bob.token.accessToken);
    await login(server, bob.email, PASSWORD, { 'user-agent': 'BobPhone/1' });
    await bobTab.waitFor((e) => e.userAgent === 'BobPhone/1');
    // A sentinel of Alice's own, so her socket has certainly heard everything before it.
    await login(server, alice.email, PASSWORD, { 'user-agent': 'AliceSentinel/1' });
    await aliceTab.waitFor((e) => e.userAgent === 'AliceSentinel/1');
    expect(aliceTab.events.map((e) => e.userAgent)).not.toContain('BobPhone/1');
  });

  it('sends the event, then closes the socket with 4401, when its session is signed out elsewhere', async () => {
    const user = await createVerifiedUser(server);
    const tab = await subscribed(user.token.accessToken);
    expect((await server.gql(LOGOUT, { token: user.token.refreshToken })).data).toEqual({ logout: true });
    const closed = await tab.closed;
    expect(closed).toEqual({ code: 4401, reason: 'Session ended' });
    expect(tab.events.map((e) => e.type)).toContain('SESSION_REVOKED');
  });

  it('closes the socket of every session on logoutAll, each after its event', async () => {
    const user = await createVerifiedUser(server);
    const other = await login(server, user.email, PASSWORD);
    const first = await subscribed(user.token.accessToken);
    const second = await subscribed(other.accessToken);
    const response = await server.gql(`mutation { logoutAll }`, {}, bearer(other.accessToken));
    expect(response.data).toEqual({ logoutAll: true });
    for (const tab of [first, second]) {
      expect(await tab.closed).toEqual({ code: 4401, reason: 'Session ended' });
      expect(tab.events.at(-1)?.type).toBe('SESSION_REVOKED');
    }
  });

  it('keeps the socket of a session that is still alive when another session ends', async () => {
    const user = await createVerifiedUser(server);
    const other = await login(server, user.email, PASSWORD);
    const tab = await subscribed(user.token.accessToken);
    await server.gql(LOGOUT, { token: other.refreshToken });
    await tab.waitFor((e) => e.type === 'SESSION_REVOKED');
    await login(server, user.email, PASSWORD, { 'user-agent': 'StillOpen/1' });
    await tab.waitFor((e) => e.userAgent === 'StillOpen/1');
  });

  it('closes the socket with 4401 when the access token expires', async () => {
    const short = await startTestServer({ ACCESS_TOKEN_TTL: '2' });
    try {
      const user = await createVerifiedUser(short);
      const tab = await subscribe(short.app, short.url, user.token.accessToken);
      expect(await tab.closed).toEqual({ code: 4401, reason: 'Token expired' });
    } finally {
      await short.close();
    }
  });

  it('tells its sockets it is going away (1001) when it shuts down', async () => {
    const leaving = await startTestServer();
    try {
      const user = await createVerifiedUser(leaving);
      const tab = await subscribe(leaving.app, leaving.url, user.token.accessToken);
      await leaving.app.close();
      expect(await tab.closed).toEqual({ code: 1001, reason: 'Server shutting down' });
    } finally {
      await leaving.close();
    }
  });

  it('refuses a socket whose connection_init has no token, or a dead one', async () => {
    for (const params of [undefined, { authorization: 'Bearer not-a-token' }, { authorization: 42 }]) {
      const { client, closed } = connect(server.url, params);
      expect(await closed).toEqual({ code: 4403, reason: 'Forbidden' });
      await client.dispose();
    }
    const user = await createVerifiedUser(server);
    await server.gql(LOGOUT, { token: user.token.refreshToken });
    const { client, closed } = connect(server.url, { authorization: `Bearer ${user.token.accessToken}` });
    expect(await closed).toEqual({ code: 4403, reason: 'Forbidden' });
    await client.dispose();
  });

  it('refuses an upgrade from an origin that is neither the server nor listed', async () => {
    const user = await createVerifiedUser(server);
    const { client, closed } = connect(server.url, { authorization: `Bearer ${user.token.accessToken}` }, { origin: 'https://evil.example.test' });
    expect((await closed).code).toBe(1006);
    await client.dispose();
    for (const origin of ['http://localhost:4000', 'https://app.example.test']) {
      const tab = await subscribed(user.token.accessToken, { origin });
      await login(server, user.email, PASSWORD, { 'user-agent': `From ${origin}` });
      await tab.waitFor((e) => e.userAgent === `From ${origin}`);
    }
  });

  it('runs only subscriptions on the socket, under the query limits', async () => {
    const user = await createVerifiedUser(server);
    const { client } = connect(server.url, { authorization: `Bearer ${user.token.accessToken}` });
    const result = (query: string) =>
      new Promise<unknown[]>((resolve) => {
        client.subscribe({ query }, { next: () => undefined, error: (errors) => resolve(errors as unknown[]), complete: () => resolve([]) });
      });
    const mutation = (await result(`mutation { logoutAll }`)) as { message: string }[];
    expect(mutation[0].message).toMatch(/Only subscriptions/);
    // Past GRAPHQL_MAX_TOKENS (1000), within the message size limit.
    const long = (await result(`subscription { securityEvents { id ${'__typename '.repeat(1100)} } }`)) as { message: string }[];
    expect(long[0].message).toMatch(/token/i);
    await client.dispose();
  });

  it('closes the socket on a message over REALTIME_MAX_MESSAGE_BYTES', async () => {
    const user = await createVerifiedUser(server);
    const { client, closed } = connect(server.url, { authorization: `Bearer ${user.token.accessToken}` });
    client.subscribe(
      { query: `subscription { securityEvents { id ${' '.repeat(20_000)} } }` },
      { next: () => undefined, error: () => undefined, complete: () => undefined },
    );
    expect((await closed).code).toBe(1009);
    await client.dispose();
  });

  it('answers a subscription sent over HTTP with an error, not a stream', async () => {
    const user = await createVerifiedUser(server);
    const response = await server.gql(SECURITY_EVENTS, {}, bearer(user.token.accessToken));
    expect(response.status).toBe(400);
    expect(response.data ?? null).toBeNull();
    expect(errorCode(response)).toBe('BAD_REQUEST');
  });
});
