import { startTestServer, errorCode, type TestServer } from '../support/server';
import { LOGOUT, ME, REFRESH, bearer, createVerifiedUser, type TokenPayload } from '../support/flows';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.close());

const refresh = (token: string) => server.gql<{ refreshToken: TokenPayload }>(REFRESH, { token });
const me = (accessToken: string) => server.gql(ME, {}, bearer(accessToken));
/** Moves the end of the grace window into the past, as if it had run out `seconds` ago. */
const ageUsedTokens = (userId: string, seconds: number) =>
  server.app.orm.em
    .fork()
    .getConnection()
    .execute(
      `update sessions set previous_until = previous_until - make_interval(secs => ?)
        where previous_until is not null and user_id = ?`,
      [seconds, userId],
    );

describe('refreshToken', () => {
  it('rotates: a new pair, and the new access token works', async () => {
    const { token } = await createVerifiedUser(server);
    const response = await refresh(token.refreshToken);
    expect(response.errors).toBeUndefined();
    const next = response.data!.refreshToken;
    expect(next.refreshToken).not.toBe(token.refreshToken);
    expect(next.user.id).toBe(token.user.id);
    expect((await me(next.accessToken)).data?.me.id).toBe(token.user.id);
  });

  it('inside the grace window, a spent token returns the same successor instead of forking', async () => {
    const { token } = await createVerifiedUser(server);
    const first = (await refresh(token.refreshToken)).data!.refreshToken;
    const again = await refresh(token.refreshToken);
    expect(again.errors).toBeUndefined();
    expect(again.data!.refreshToken.refreshToken).toBe(first.refreshToken);
    // The family still has one live head: the successor rotates normally.
    expect((await refresh(first.refreshToken)).errors).toBeUndefined();
  });

  it('tabs refreshing the same token at once all succeed with one successor', async () => {
    const { token } = await createVerifiedUser(server);
    const results = await Promise.all(Array.from({ length: 6 }, () => refresh(token.refreshToken)));
    expect(results.map((r) => r.errors)).toEqual(Array(6).fill(undefined));
    expect(new Set(results.map((r) => r.data!.refreshToken.refreshToken)).size).toBe(1);
  });

  it('after the grace window, reuse revokes the whole session at once', async () => {
    const { token } = await createVerifiedUser(server);
    const next = (await refresh(token.refreshToken)).data!.refreshToken;
    await ageUsedTokens(token.user.id, 11);

    expect(errorCode(await refresh(token.refreshToken))).toBe('TOKEN_REUSED');
    expect((await me(next.accessToken)).data?.me).toBeNull();
    expect((await me(token.accessToken)).data?.me).toBeNull();
    expect(errorCode(await refresh(next.refreshToken))).toBe('SESSION_REVOKED');
  });

  it('refuses an unknown token as unauthenticated and a malformed one as bad input', async () => {
    expect(errorCode(await refresh('A'.repeat(43)))).toBe('UNAUTHENTICATED');
    const malformed = await refresh('not a token!');
    expect(errorCode(malformed)).toBe('BAD_USER_INPUT');
    expect(malformed.errors![0].extensions!.field).toBe('refreshToken');
  });

  it('refuses an expired refresh token', async () => {
    const { token } = await createVerifiedUser(server);
    await server.app.orm.em.fork().getConnection().execute(`update sessions set expires_at = now() - interval '1 second' where user_id = ?`, [token.user.id]);
    expect(errorCode(await refresh(token.refreshToken))).toBe('UNAUTHENTICATED');
  });
});

describe('logout', () => {
  it('ends that session: its access token and refresh token stop working', async () => {
    const { token } = await createVerifiedUser(server);
    const response = await server.gql(LOGOUT, { token: token.refreshToken });
    expect(response.data?.logout).toBe(true);
    expect((await me(token.accessToken)).data?.me).toBeNull();
    expect(errorCode(await refresh(token.refreshToken))).toBe('SESSION_REVOKED');
  });

  it('leaves the other sessions of the same person alone', async () => {
    const user = await createVerifiedUser(server);
    const other = (
      await server.gql<{ login: TokenPayload }>(`mutation ($input: LoginInput!) { login(input: $input) { accessToken refreshToken } }`, {
        input: { email: user.email, password: user.password },
      })
    ).data!.login;
    await server.gql(LOGOUT, { token: user.token.refreshToken });
    expect((await me(other.accessToken)).data?.me.email).toBe(user.email);
  });

  it('answers false for a token it does not know', async () => {
    expect((await server.gql(LOGOUT, { token: 'B'.repeat(43) })).data?.logout).toBe(false);
  });
});
