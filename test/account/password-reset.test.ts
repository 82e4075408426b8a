import { startTestServer, codeIn, errorCode, type TestServer } from '../support/server';
import {
  LOGIN,
  ME,
  PASSWORD,
  REFRESH,
  REQUEST_RESET,
  RESET,
  bearer,
  createVerifiedUser,
  login,
  registerAndReadCode,
  uniqueEmail,
  type TokenPayload,
} from '../support/flows';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ APP_NAME: 'Girok Test' });
});
afterAll(() => server?.close());

async function requestResetCode(email: string): Promise<string> {
  const earlier = new Set(server.smtp.messages);
  const response = await server.gql(REQUEST_RESET, { email });
  expect(response.data?.requestPasswordReset).toBe(true);
  return codeIn(await server.smtp.waitFor((m) => m.to === email && !earlier.has(m)));
}

/** Nothing reached this address within a moment, while mail for a sentinel did. */
async function expectNoMailTo(email: string): Promise<void> {
  const sentinel = (await createVerifiedUser(server)).email;
  await server.gql(REQUEST_RESET, { email: sentinel });
  await server.smtp.waitFor((m) => m.to === sentinel && /reset|재설정/i.test(m.subject));
  expect(server.smtp.messages.filter((m) => m.to === email)).toEqual([]);
}

describe('requestPasswordReset', () => {
  it('mails a reset code to a verified account', async () => {
    const { email } = await createVerifiedUser(server);
    const earlier = new Set(server.smtp.messages);
    expect((await server.gql(REQUEST_RESET, { email })).data?.requestPasswordReset).toBe(true);
    const mail = await server.smtp.waitFor((m) => m.to === email && !earlier.has(m));
    expect(mail.subject).toContain('Girok Test');
    expect(codeIn(mail)).toMatch(/^\d{6}$/);
  });

  it('answers true for an unknown address and sends nothing', async () => {
    const email = uniqueEmail('nobody');
    expect((await server.gql(REQUEST_RESET, { email })).data?.requestPasswordReset).toBe(true);
    await expectNoMailTo(email);
  });

  it('answers true for an unverified address and sends it no reset code', async () => {
    const email = uniqueEmail('pending');
    await registerAndReadCode(server, email);
    const before = server.smtp.messages.filter((m) => m.to === email).length;
    expect((await server.gql(REQUEST_RESET, { email })).data?.requestPasswordReset).toBe(true);
    await expectNoMailTo(uniqueEmail('unused'));
    expect(server.smtp.messages.filter((m) => m.to === email)).toHaveLength(before);
  });

  it('answers true inside the cooldown too, without a second mail', async () => {
    const { email } = await createVerifiedUser(server);
    await requestResetCode(email);
    const count = server.smtp.messages.filter((m) => m.to === email).length;
    expect((await server.gql(REQUEST_RESET, { email })).data?.requestPasswordReset).toBe(true);
    await expectNoMailTo(uniqueEmail('unused'));
    expect(server.smtp.messages.filter((m) => m.to === email)).toHaveLength(count);
  });
});

describe('resetPassword', () => {
  it('sets the password, ends every old session, mails a notice and logs in', async () => {
    const user = await createVerifiedUser(server);
    const second = await login(server, user.email);
    const code = await requestResetCode(user.email);
    const earlier = new Set(server.smtp.messages);

    const response = await server.gql<{ resetPassword: TokenPayload }>(RESET, { input: { email: user.email, code, newPassword: 'a brand new passphrase' } });
    expect(response.errors).toBeUndefined();
    const fresh = response.data!.resetPassword;
    expect((await server.gql(ME, {}, bearer(fresh.accessToken))).data?.me.email).toBe(user.email);

    for (const old of [user.token, second]) {
      expect((await server.gql(ME, {}, bearer(old.accessToken))).data?.me).toBeNull();
      expect(errorCode(await server.gql(REFRESH, { token: old.refreshToken }))).toBe('SESSION_REVOKED');
    }
    expect(errorCode(await server.gql(LOGIN, { input: { email: user.email, password: PASSWORD } }))).toBe('INVALID_CREDENTIALS');
    expect((await login(server, user.email, 'a brand new passphrase')).user.id).toBe(user.token.user.id);

    const notice = await server.smtp.waitFor((m) => m.to === user.email && !earlier.has(m));
    expect(notice.text).not.toMatch(/\b\d{6}\b/);
  });

  it('refuses a wrong code and keeps the old password', async () => {
    const user = await createVerifiedUser(server);
    const code = await requestResetCode(user.email);
    const wrong = code === '111111' ? '222222' : '111111';
    expect(errorCode(await server.gql(RESET, { input: { email: user.email, code: wrong, newPassword: 'another passphrase' } }))).toBe('INVALID_CODE');
    expect((await login(server, user.email)).user.email).toBe(user.email);
  });

  it('does not accept the email verification code', async () => {
    const email = uniqueEmail();
    const verificationCode = await registerAndReadCode(server, email);
    expect(errorCode(await server.gql(RESET, { input: { email, code: verificationCode, newPassword: 'another passphrase' } }))).toBe('INVALID_CODE');
  });

  it('applies the password policy to the new password', async () => {
    const user = await createVerifiedUser(server);
    const code = await requestResetCode(user.email);
    const response = await server.gql(RESET, { input: { email: user.email, code, newPassword: 'short' } });
    expect(errorCode(response)).toBe('BAD_USER_INPUT');
    expect(response.errors![0].extensions!.field).toBe('newPassword');
  });
});
