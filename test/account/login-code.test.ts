import { createVerifiedAccount } from '../../scripts/user-create';
import { startTestServer, codeIn, errorCode, type TestServer } from '../support/server';
import {
  ME,
  PASSWORD,
  REQUEST_RESET,
  TOKEN_FIELDS,
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

const REQUEST_CODE = `mutation RequestLoginCode($email: String!, $locale: Locale) { requestLoginCode(email: $email, locale: $locale) }`;
const LOGIN_WITH_CODE = `mutation LoginWithCode($input: VerifyEmailInput!) { loginWithCode(input: $input) { ${TOKEN_FIELDS} } }`;
const MY_EVENTS = `query { me { securityEvents(first: 5) { edges { node { type sessionId } } } } }`;

async function requestLoginCode(email: string, locale?: string): Promise<{ code: string; subject: string }> {
  const earlier = new Set(server.smtp.messages);
  expect((await server.gql(REQUEST_CODE, { email, locale })).data?.requestLoginCode).toBe(true);
  const mail = await server.smtp.waitFor((m) => m.to === email && !earlier.has(m));
  return { code: codeIn(mail), subject: mail.subject };
}

/** Nothing reached this address, while a code mail asked for after it did arrive. */
async function expectNoMailTo(email: string): Promise<void> {
  const sentinel = (await createVerifiedUser(server)).email;
  await requestLoginCode(sentinel);
  expect(server.smtp.messages.filter((m) => m.to === email)).toEqual([]);
}

describe('requestLoginCode', () => {
  it('mails a sign-in code to a verified account, in the language asked for', async () => {
    const { email } = await createVerifiedUser(server);
    const { code, subject } = await requestLoginCode(email, 'ko');
    expect(code).toMatch(/^\d{6}$/);
    expect(subject).toBe('Girok Test 로그인 코드');
  });

  it('answers true for an unknown address and sends nothing', async () => {
    const email = uniqueEmail('nobody');
    expect((await server.gql(REQUEST_CODE, { email })).data?.requestLoginCode).toBe(true);
    await expectNoMailTo(email);
  });

  it('answers true for an unverified address and sends it no code', async () => {
    const email = uniqueEmail('pending');
    await registerAndReadCode(server, email);
    const before = server.smtp.messages.filter((m) => m.to === email).length;
    expect((await server.gql(REQUEST_CODE, { email })).data?.requestLoginCode).toBe(true);
    await expectNoMailTo(uniqueEmail('unused'));
    expect(server.smtp.messages.filter((m) => m.to === email)).toHaveLength(before);
  });

  it('answers true inside the cooldown too, without a second mail', async () => {
    const { email } = await createVerifiedUser(server);
    await requestLoginCode(email);
    const count = server.smtp.messages.filter((m) => m.to === email).length;
    expect((await server.gql(REQUEST_CODE, { email })).data?.requestLoginCode).toBe(true);
    await expectNoMailTo(uniqueEmail('unused'));
    expect(server.smtp.messages.filter((m) => m.to === email)).toHaveLength(count);
  });

  it('refuses a malformed address with BAD_USER_INPUT', async () => {
    const response = await server.gql(REQUEST_CODE, { email: 'not an address' });
    expect(response.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'email' });
  });
});

describe('loginWithCode', () => {
  it('signs in with the mailed code, once, as a new session on the timeline', async () => {
    const user = await createVerifiedUser(server);
    const { code } = await requestLoginCode(user.email);
    const response = await server.gql<{ loginWithCode: TokenPayload }>(LOGIN_WITH_CODE, { input: { email: user.email, code } });
    expect(response.errors).toBeUndefined();
    const token = response.data!.loginWithCode;
    expect(token).toMatchObject({ tokenType: 'Bearer', user: { id: user.token.user.id, email: user.email } });
    expect((await server.gql(ME, {}, bearer(token.accessToken))).data?.me.id).toBe(user.token.user.id);
    const events = (await server.gql(MY_EVENTS, {}, bearer(token.accessToken))).data?.me.securityEvents.edges;
    expect(events[0].node.type).toBe('LOGIN_SUCCEEDED');
    expect(errorCode(await server.gql(LOGIN_WITH_CODE, { input: { email: user.email, code } }))).toBe('INVALID_CODE');
    // The password still works beside it.
    expect((await login(server, user.email, PASSWORD)).user.id).toBe(user.token.user.id);
  });

  it('counts wrong codes and dies after the last try', async () => {
    const user = await createVerifiedUser(server);
    const { code } = await requestLoginCode(user.email);
    const wrong = code === '111111' ? '222222' : '111111';
    const first = await server.gql(LOGIN_WITH_CODE, { input: { email: user.email, code: wrong } });
    expect(first.errors?.[0].extensions).toMatchObject({ code: 'INVALID_CODE', attemptsLeft: 4 });
    for (let i = 0; i < 4; i++) await server.gql(LOGIN_WITH_CODE, { input: { email: user.email, code: wrong } });
    expect(errorCode(await server.gql(LOGIN_WITH_CODE, { input: { email: user.email, code } }))).toBe('TOO_MANY_ATTEMPTS');
  });

  it('answers an address with no account as it answers a wrong code', async () => {
    const email = uniqueEmail('nobody');
    await server.gql(REQUEST_CODE, { email });
    const response = await server.gql(LOGIN_WITH_CODE, { input: { email, code: '123456' } });
    expect(response.errors?.[0].extensions).toMatchObject({ code: 'INVALID_CODE', attemptsLeft: 4 });
  });

  it('does not accept a password reset code', async () => {
    const user = await createVerifiedUser(server);
    const earlier = new Set(server.smtp.messages);
    await server.gql(REQUEST_RESET, { email: user.email });
    const resetCode = codeIn(await server.smtp.waitFor((m) => m.to === user.email && !earlier.has(m)));
    expect(errorCode(await server.gql(LOGIN_WITH_CODE, { input: { email: user.email, code: resetCode } }))).toBe('INVALID_CODE');
  });

  it('answers ACCOUNT_DISABLED to a disabled account that enters its code', async () => {
    const user = await createVerifiedUser(server);
    const adminEmail = uniqueEmail('admin');
    await createVerifiedAccount(server.app, { email: adminEmail, password: PASSWORD, admin: true });
    const admin = await login(server, adminEmail);
    const disabled = await server.gql(`mutation ($id: ID!) { disableUser(id: $id) { disabled } }`, { id: user.token.user.id }, bearer(admin.accessToken));
    expect(disabled.data?.disableUser.disabled).toBe(true);
    const { code } = await requestLoginCode(user.email);
    expect(errorCode(await server.gql(LOGIN_WITH_CODE, { input: { email: user.email, code } }))).toBe('ACCOUNT_DISABLED');
  });
});
