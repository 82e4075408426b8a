import { startTestServer, errorCode, type TestServer } from '../support/server';
import { ME, REFRESH, SESSIONS, bearer, createVerifiedUser, login, type TokenPayload } from '../support/flows';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.close());

type SessionRow = { id: string; current: boolean; userAgent: string | null; ip: string | null; lastUsedAt: string };
const listSessions = async (token: TokenPayload) => (await server.gql<{ sessions: SessionRow[] }>(SESSIONS, {}, bearer(token.accessToken))).data!.sessions;
const REVOKE = 'mutation ($id: ID!) { revokeSession(id: $id) }';
const LOGOUT_ALL = 'mutation { logoutAll }';

describe('sessions', () => {
  it('lists the live sessions with the caller marked current and where each came from', async () => {
    const user = await createVerifiedUser(server);
    const phone = await login(server, user.email, undefined, { 'user-agent': 'GirokPhone/1.0' });
    const sessions = await listSessions(phone);
    expect(sessions).toHaveLength(2);
    const current = sessions.find((s) => s.current)!;
    expect(current.userAgent).toBe('GirokPhone/1.0');
    expect(current.ip).toBe('127.0.0.1');
    expect(sessions.filter((s) => s.current)).toHaveLength(1);
  });

  it('records the user agent again on refresh', async () => {
    const user = await createVerifiedUser(server);
    const refreshed = await server.gql<{ refreshToken: TokenPayload }>(REFRESH, { token: user.token.refreshToken }, { 'user-agent': 'GirokDesktop/2.0' });
    const [session] = await listSessions(refreshed.data!.refreshToken);
    expect(session.userAgent).toBe('GirokDesktop/2.0');
  });

  it('needs a signed-in viewer', async () => {
    expect(errorCode(await server.gql(SESSIONS))).toBe('UNAUTHENTICATED');
  });
});

describe('revokeSession', () => {
  it("ends one of the viewer's own sessions at once", async () => {
    const user = await createVerifiedUser(server);
    const other = await login(server, user.email);
    const otherId = (await listSessions(other)).find((s) => s.current)!.id;
    expect((await server.gql(REVOKE, { id: otherId }, bearer(user.token.accessToken))).data?.revokeSession).toBe(true);
    expect((await server.gql(ME, {}, bearer(other.accessToken))).data?.me).toBeNull();
    expect((await listSessions(user.token)).map((s) => s.id)).not.toContain(otherId);
  });

  it("refuses another person's session and changes nothing", async () => {
    const alice = await createVerifiedUser(server);
    const mallory = await createVerifiedUser(server);
    const aliceSession = (await listSessions(alice.token))[0].id;
    const response = await server.gql(REVOKE, { id: aliceSession }, bearer(mallory.token.accessToken));
    expect(errorCode(response)).toBe('FORBIDDEN');
    expect((await server.gql(ME, {}, bearer(alice.token.accessToken))).data?.me.email).toBe(alice.email);
  });

  it('refuses an id that is no session the same way', async () => {
    const user = await createVerifiedUser(server);
    expect(errorCode(await server.gql(REVOKE, { id: 'not-an-id' }, bearer(user.token.accessToken)))).toBe('FORBIDDEN');
  });
});

describe('logoutAll', () => {
  it('ends every session of the viewer', async () => {
    const user = await createVerifiedUser(server);
    const other = await login(server, user.email);
    expect((await server.gql(LOGOUT_ALL, {}, bearer(user.token.accessToken))).data?.logoutAll).toBe(true);
    for (const token of [user.token, other]) {
      expect((await server.gql(ME, {}, bearer(token.accessToken))).data?.me).toBeNull();
      expect(errorCode(await server.gql(REFRESH, { token: token.refreshToken }))).toBe('SESSION_REVOKED');
    }
  });
});

describe('behind a proxy', () => {
  it('records the client address from X-Forwarded-For when TRUST_PROXY is set', async () => {
    const proxied = await startTestServer({ TRUST_PROXY: '127.0.0.1' });
    try {
      const user = await createVerifiedUser(proxied);
      const token = await login(proxied, user.email, undefined, { 'x-forwarded-for': '203.0.113.7' });
      const sessions = (await proxied.gql<{ sessions: SessionRow[] }>(SESSIONS, {}, bearer(token.accessToken))).data!.sessions;
      expect(sessions.find((s) => s.current)!.ip).toBe('203.0.113.7');
    } finally {
      await proxied.close();
    }
  });

  it('ignores X-Forwarded-For by default', async () => {
    const user = await createVerifiedUser(server);
    const token = await login(server, user.email, undefined, { 'x-forwarded-for': '203.0.113.7' });
    expect((await listSessions(token)).find((s) => s.current)!.ip).toBe('127.0.0.1');
  });
});
