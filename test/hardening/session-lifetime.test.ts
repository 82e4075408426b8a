import { startTestServer, errorCode, type TestServer } from '../support/server';
import { ME, REFRESH, SESSIONS, bearer, createVerifiedUser, login, type TokenPayload } from '../support/flows';

// ASVS 7.3.2 and 10.4.8: refreshing keeps a session from idling out, never alive for ever.
const MAX_LIFETIME = 8;
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ SESSION_MAX_LIFETIME: String(MAX_LIFETIME) });
});
afterAll(() => server?.close());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface ListedSession {
  current: boolean;
  createdAt: string;
  expiresAt: string;
}

async function sessionsOf(accessToken: string): Promise<ListedSession[]> {
  const answer = await server.gql<{ sessions: ListedSession[] }>(SESSIONS, {}, bearer(accessToken));
  expect(answer.errors).toBeUndefined();
  return answer.data!.sessions;
}

describe('the absolute session lifetime', () => {
  it('a session that keeps refreshing still ends at SESSION_MAX_LIFETIME', async () => {
    const user = await createVerifiedUser(server);
    let pair: TokenPayload = await login(server, user.email, user.password);
    for (let i = 0; i < 3; i++) {
      const next = await server.gql<{ refreshToken: TokenPayload }>(REFRESH, { token: pair.refreshToken });
      expect(next.errors).toBeUndefined();
      pair = next.data!.refreshToken;
    }
    // The idle timeout (REFRESH_TOKEN_TTL, a week) would move the end on with each refresh;
    // the lifetime holds it at the sign-in plus SESSION_MAX_LIFETIME.
    const [session] = await sessionsOf(pair.accessToken);
    const createdAt = new Date(session.createdAt).getTime();
    expect(new Date(session.expiresAt).getTime() - createdAt).toBeGreaterThan((MAX_LIFETIME - 1) * 1000);
    expect(new Date(session.expiresAt).getTime() - createdAt).toBeLessThanOrEqual((MAX_LIFETIME + 1) * 1000);

    await sleep(Math.max(0, new Date(session.expiresAt).getTime() + 500 - Date.now()));
    expect(errorCode(await server.gql(REFRESH, { token: pair.refreshToken }))).toBe('UNAUTHENTICATED');
    expect((await server.gql(ME, {}, bearer(pair.accessToken))).data?.me).toBeNull();

    // A fresh sign-in works, and the ended session is not among the account's sessions.
    const fresh = await login(server, user.email, user.password);
    const listed = await sessionsOf(fresh.accessToken);
    expect(listed).toHaveLength(1);
    expect(listed[0].current).toBe(true);
  });
});
