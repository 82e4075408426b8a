import { createVerifiedAccount } from '../../scripts/user-create';
import { REAUTHENTICATE, VERIFY_MFA, claimsOf, enrollTotp, mfaTokenOf } from '../mfa/support';
import { startTestServer, codeIn, errorCode, type TestServer } from '../support/server';
import { LOGIN, PASSWORD, TOKEN_FIELDS, bearer, createVerifiedUser, login, uniqueEmail, type TokenPayload } from '../support/flows';

// The second factor and sudo mode on the account paths: the code sign-in asks for the second
// factor like every other path, a disabled account gets no session from verifyMfa, and the
// account's most sensitive changes need a recent sign-in.
const REAUTH_WINDOW = 2;
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ REAUTH_WINDOW: String(REAUTH_WINDOW) });
});
afterAll(() => server?.close());

const REQUEST_CODE = `mutation RequestLoginCode($email: String!) { requestLoginCode(email: $email) }`;
const LOGIN_WITH_CODE = `mutation LoginWithCode($input: VerifyEmailInput!) { loginWithCode(input: $input) { ${TOKEN_FIELDS} } }`;
const DISABLE = `mutation Disable($id: ID!) { disableUser(id: $id) { disabled } }`;
const DELETE = `mutation { deleteAccount }`;
const CHANGE_EMAIL = `mutation Change($newEmail: String!) { requestEmailChange(newEmail: $newEmail) }`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function loginCodeFor(email: string): Promise<string> {
  const earlier = new Set(server.smtp.messages);
  expect((await server.gql(REQUEST_CODE, { email })).data?.requestLoginCode).toBe(true);
  return codeIn(await server.smtp.waitFor((m) => m.to === email && !earlier.has(m) && /sign-in code/.test(m.subject)));
}

describe('loginWithCode for an account with a second factor', () => {
  it('answers MFA_REQUIRED with no session, and verifyMfa finishes it with amr email, otp, mfa', async () => {
    const user = await createVerifiedUser(server);
    const { app } = await enrollTotp(server, user.token.accessToken);
    const challenged = await server.gql(LOGIN_WITH_CODE, { input: { email: user.email, code: await loginCodeFor(user.email) } });
    expect(challenged.data).toBeNull();
    const verified = await server.gql<{ verifyMfa: TokenPayload }>(VERIFY_MFA, { input: { mfaToken: mfaTokenOf(challenged), code: await app.nextCode() } });
    expect(verified.errors).toBeUndefined();
    expect(claimsOf(verified.data!.verifyMfa.accessToken).amr).toEqual(expect.arrayContaining(['email', 'otp', 'mfa']));
  });

  it('gives a disabled account no session from verifyMfa: ACCOUNT_DISABLED', async () => {
    const user = await createVerifiedUser(server);
    const { app } = await enrollTotp(server, user.token.accessToken);
    const challenged = await server.gql(LOGIN_WITH_CODE, { input: { email: user.email, code: await loginCodeFor(user.email) } });
    const mfaToken = mfaTokenOf(challenged);
    const adminEmail = uniqueEmail('admin');
    await createVerifiedAccount(server.app, { email: adminEmail, password: PASSWORD, admin: true });
    const admin = await login(server, adminEmail);
    expect((await server.gql(DISABLE, { id: user.token.user.id }, bearer(admin.accessToken))).errors).toBeUndefined();
    expect(errorCode(await server.gql(VERIFY_MFA, { input: { mfaToken, code: await app.nextCode() } }))).toBe('ACCOUNT_DISABLED');
  });
});

describe('sudo mode on the account', () => {
  it('refuses deleteAccount and requestEmailChange outside REAUTH_WINDOW, and deletes after reauthenticate', async () => {
    const user = await createVerifiedUser(server);
    await sleep((REAUTH_WINDOW + 1) * 1000);
    const headers = bearer(user.token.accessToken);
    expect(errorCode(await server.gql(DELETE, {}, headers))).toBe('REAUTHENTICATION_REQUIRED');
    expect(errorCode(await server.gql(CHANGE_EMAIL, { newEmail: uniqueEmail('moved') }, headers))).toBe('REAUTHENTICATION_REQUIRED');
    // Nothing was erased.
    expect((await server.gql('{ me { email } }', {}, headers)).data?.me?.email).toBe(user.email);

    const renewed = await server.gql<{ reauthenticate: TokenPayload }>(REAUTHENTICATE, { input: { password: PASSWORD } }, headers);
    expect(renewed.errors).toBeUndefined();
    const deleted = await server.gql(DELETE, {}, bearer(renewed.data!.reauthenticate.accessToken));
    expect(deleted.data?.deleteAccount).toBe(true);
  });
});

describe('a credential change', () => {
  const CHANGE = `mutation Change($input: ChangePasswordInput!) { changePassword(input: $input) { accessToken } }`;
  const REQUEST_RESET = `mutation RequestReset($email: String!) { requestPasswordReset(email: $email) }`;
  const RESET = `mutation Reset($input: ResetPasswordInput!) { resetPassword(input: $input) { accessToken } }`;

  it('ends every sign-in still waiting for the second factor: a password change', async () => {
    const user = await createVerifiedUser(server);
    const { app } = await enrollTotp(server, user.token.accessToken);
    const pending = mfaTokenOf(await server.gql(LOGIN, { input: { email: user.email, password: PASSWORD } }));
    const changed = await server.gql(CHANGE, { input: { currentPassword: PASSWORD, newPassword: 'a new passphrase of mine' } }, bearer(user.token.accessToken));
    expect(changed.errors).toBeUndefined();
    expect(errorCode(await server.gql(VERIFY_MFA, { input: { mfaToken: pending, code: await app.nextCode() } }))).toBe('UNAUTHENTICATED');
  });

  it('ends every sign-in still waiting for the second factor: a reset, whose own challenge still works', async () => {
    const user = await createVerifiedUser(server);
    const { app } = await enrollTotp(server, user.token.accessToken);
    const pending = mfaTokenOf(await server.gql(LOGIN, { input: { email: user.email, password: PASSWORD } }));
    const earlier = new Set(server.smtp.messages);
    await server.gql(REQUEST_RESET, { email: user.email });
    const code = codeIn(await server.smtp.waitFor((m) => m.to === user.email && !earlier.has(m) && /\b\d{6}\b/.test(m.text)));
    const reset = await server.gql(RESET, { input: { email: user.email, code, newPassword: 'chosen after the reset' } });
    const own = mfaTokenOf(reset);
    expect(errorCode(await server.gql(VERIFY_MFA, { input: { mfaToken: pending, code: await app.nextCode() } }))).toBe('UNAUTHENTICATED');
    expect((await server.gql(VERIFY_MFA, { input: { mfaToken: own, code: await app.nextCode() } })).errors).toBeUndefined();
  });
});
