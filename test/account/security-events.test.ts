import { startTestServer, codeIn, errorCode, type TestServer } from '../support/server';
import {
  CHANGE,
  LOGIN,
  LOGOUT,
  PASSWORD,
  REFRESH,
  REQUEST_RESET,
  RESET,
  bearer,
  login,
  registerAndReadCode,
  uniqueEmail,
  VERIFY,
  type TokenPayload,
} from '../support/flows';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ CODE_RESEND_COOLDOWN: '1' });
});
afterAll(() => server?.close());

const TIMELINE = `query ($first: Int, $after: String) {
  me { securityEvents(first: $first, after: $after) {
    edges { cursor node { id type createdAt ip userAgent sessionId } }
    pageInfo { hasNextPage endCursor }
  } }
}`;
const hasCode = (text: string) => /\b\d{6}\b/.test(text);
type Edge = { cursor: string; node: { type: string; ip: string; userAgent: string; sessionId: string | null } };
type Timeline = { me: { securityEvents: { edges: Edge[]; pageInfo: { hasNextPage: boolean; endCursor: string } } } };

describe('security timeline', () => {
  it('records every kind of event, in order, newest first, with where it came from', async () => {
    const email = uniqueEmail('timeline');
    const agent = { 'user-agent': 'TimelineTest/1.0' };
    const code = await registerAndReadCode(server, email);
    const verified = (await server.gql<{ verifyEmail: TokenPayload }>(VERIFY, { input: { email, code } }, agent)).data!.verifyEmail;
    expect(errorCode(await server.gql(LOGIN, { input: { email, password: 'wrong password' } }, agent))).toBe('INVALID_CREDENTIALS');
    const second = await login(server, email, PASSWORD, agent);
    // Rotate, then replay the spent token after the grace window.
    await server.gql(REFRESH, { token: second.refreshToken });
    await server.app.orm.em
      .fork()
      .getConnection()
      .execute(`update sessions set previous_until = previous_until - interval '1 minute' where previous_until is not null`);
    expect(errorCode(await server.gql(REFRESH, { token: second.refreshToken }))).toBe('TOKEN_REUSED');
    await server.gql(LOGOUT, { token: verified.refreshToken }, agent);
    const third = await login(server, email, PASSWORD, agent);
    const changed = (
      await server.gql<{ changePassword: TokenPayload }>(
        CHANGE,
        { input: { currentPassword: PASSWORD, newPassword: 'second passphrase' } },
        { ...agent, ...bearer(third.accessToken) },
      )
    ).data!.changePassword;

    const earlier = new Set(server.smtp.messages);
    await server.gql(REQUEST_RESET, { email });
    const resetCode = codeIn(await server.smtp.waitFor((m) => m.to === email && !earlier.has(m) && hasCode(m.text)));
    const wrong = resetCode === '000000' ? '000001' : '000000';
    for (let i = 0; i < 5; i++) await server.gql(RESET, { input: { email, code: wrong, newPassword: 'third passphrase' } }, agent);
    // Past the resend cooldown (1 s here), a new code can be asked for.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const earlier2 = new Set(server.smtp.messages);
    await server.gql(REQUEST_RESET, { email });
    const secondCode = codeIn(await server.smtp.waitFor((m) => m.to === email && !earlier2.has(m) && hasCode(m.text)));
    const reset = (await server.gql<{ resetPassword: TokenPayload }>(RESET, { input: { email, code: secondCode, newPassword: 'third passphrase' } }, agent))
      .data!.resetPassword;
    expect(changed.user.email).toBe(email);

    const response = await server.gql<Timeline>(TIMELINE, { first: 50 }, bearer(reset.accessToken));
    expect(response.errors).toBeUndefined();
    const edges = response.data!.me.securityEvents.edges;
    expect(edges.map((e) => e.node.type).reverse()).toEqual([
      'REGISTERED',
      'EMAIL_VERIFIED',
      'LOGIN_SUCCEEDED',
      'LOGIN_FAILED',
      'LOGIN_SUCCEEDED',
      'REFRESH_REUSE_DETECTED',
      'SESSION_REVOKED',
      'LOGIN_SUCCEEDED',
      'PASSWORD_CHANGED',
      'CODE_LOCKED_OUT',
      'PASSWORD_RESET',
    ]);
    const newest = edges[0].node;
    expect(newest).toMatchObject({ type: 'PASSWORD_RESET', ip: '127.0.0.1', userAgent: 'TimelineTest/1.0' });
    expect(newest.sessionId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('pages with first and after', async () => {
    const email = uniqueEmail('paging');
    const code = await registerAndReadCode(server, email);
    const token = (await server.gql<{ verifyEmail: TokenPayload }>(VERIFY, { input: { email, code } })).data!.verifyEmail;
    const first = await server.gql<Timeline>(TIMELINE, { first: 10 }, bearer(token.accessToken));
    expect(first.errors).toBeUndefined();
    const all = first.data!.me.securityEvents.edges;
    expect(all).toHaveLength(3);
    const page1 = (await server.gql<Timeline>(TIMELINE, { first: 2 }, bearer(token.accessToken))).data!.me.securityEvents;
    expect(page1.pageInfo.hasNextPage).toBe(true);
    const page2 = (await server.gql<Timeline>(TIMELINE, { first: 2, after: page1.pageInfo.endCursor }, bearer(token.accessToken))).data!.me.securityEvents;
    expect(page2.pageInfo.hasNextPage).toBe(false);
    expect([...page1.edges, ...page2.edges].map((e) => e.cursor)).toEqual(all.map((e) => e.cursor));
    expect(errorCode(await server.gql(TIMELINE, { first: 2, after: 'bogus' }, bearer(token.accessToken)))).toBe('BAD_USER_INPUT');
  });

  it('is readable only by the account holder', async () => {
    const email = uniqueEmail('private');
    const code = await registerAndReadCode(server, email);
    const response = await server.gql(`mutation ($input: VerifyEmailInput!) { verifyEmail(input: $input) { user { securityEvents { edges { cursor } } } } }`, {
      input: { email, code },
    });
    expect(errorCode(response)).toBe('FORBIDDEN');
  });
});
