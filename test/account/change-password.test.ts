import { startTestServer, errorCode, type TestServer } from '../support/server';
import { CHANGE, LOGIN, ME, PASSWORD, REFRESH, bearer, createVerifiedUser, login, type TokenPayload } from '../support/flows';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.close());

describe('changePassword', () => {
  it('needs a signed-in viewer', async () => {
    expect(errorCode(await server.gql(CHANGE, { input: { currentPassword: PASSWORD, newPassword: 'new passphrase here' } }))).toBe('UNAUTHENTICATED');
  });

  it('refuses a wrong current password', async () => {
    const { token } = await createVerifiedUser(server);
    const response = await server.gql(CHANGE, { input: { currentPassword: 'not my password', newPassword: 'new passphrase here' } }, bearer(token.accessToken));
    expect(errorCode(response)).toBe('INVALID_CREDENTIALS');
  });

  it('keeps this session, ends the others, and returns a renewed pair', async () => {
    const user = await createVerifiedUser(server);
    const other = await login(server, user.email);
    const response = await server.gql<{ changePassword: TokenPayload }>(
      CHANGE,
      { input: { currentPassword: PASSWORD, newPassword: 'new passphrase here' } },
      bearer(user.token.accessToken),
    );
    expect(response.errors).toBeUndefined();
    const renewed = response.data!.changePassword;

    expect((await server.gql(ME, {}, bearer(user.token.accessToken))).data?.me.email).toBe(user.email);
    expect((await server.gql(ME, {}, bearer(renewed.accessToken))).data?.me.email).toBe(user.email);
    expect((await server.gql(ME, {}, bearer(other.accessToken))).data?.me).toBeNull();
    expect(errorCode(await server.gql(REFRESH, { token: other.refreshToken }))).toBe('SESSION_REVOKED');

    // The pair from before the change is retired; the renewed one rotates.
    expect(errorCode(await server.gql(REFRESH, { token: user.token.refreshToken }))).toBe('UNAUTHENTICATED');
    expect((await server.gql(REFRESH, { token: renewed.refreshToken })).errors).toBeUndefined();

    expect(errorCode(await server.gql(LOGIN, { input: { email: user.email, password: PASSWORD } }))).toBe('INVALID_CREDENTIALS');
    expect((await login(server, user.email, 'new passphrase here')).user.id).toBe(user.token.user.id);
  });

  it('applies the password policy to the new password', async () => {
    const { token } = await createVerifiedUser(server);
    const response = await server.gql(CHANGE, { input: { currentPassword: PASSWORD, newPassword: 'tiny' } }, bearer(token.accessToken));
    expect(errorCode(response)).toBe('BAD_USER_INPUT');
    expect(response.errors![0].extensions!.field).toBe('newPassword');
  });
});
