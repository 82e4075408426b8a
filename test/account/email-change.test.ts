import { startTestServer, codeIn, errorCode, type TestServer } from '../support/server';
import { ME, PASSWORD, bearer, createVerifiedUser, login, registerAndReadCode, uniqueEmail } from '../support/flows';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ APP_NAME: 'Girok Test' });
});
afterAll(() => server?.close());

const REQUEST_CHANGE = `mutation RequestEmailChange($newEmail: String!) { requestEmailChange(newEmail: $newEmail) }`;
const CONFIRM_CHANGE = `mutation ConfirmEmailChange($code: String!) { confirmEmailChange(code: $code) { id email emailVerified } }`;
const MY_EVENTS = `query { me { securityEvents(first: 3) { edges { node { type } } } } }`;

async function requestChange(accessToken: string, newEmail: string): Promise<string> {
  const earlier = new Set(server.smtp.messages);
  const response = await server.gql(REQUEST_CHANGE, { newEmail }, bearer(accessToken));
  expect(response.data?.requestEmailChange).toBe(true);
  return codeIn(await server.smtp.waitFor((m) => m.to === newEmail && !earlier.has(m)));
}

describe('requestEmailChange and confirmEmailChange', () => {
  it('moves the account to the new address, tells the old one and records it', async () => {
    const user = await createVerifiedUser(server);
    const newEmail = uniqueEmail('moved');
    const code = await requestChange(user.token.accessToken, newEmail);
    const earlier = new Set(server.smtp.messages);

    const response = await server.gql(CONFIRM_CHANGE, { code }, bearer(user.token.accessToken));
    expect(response.data?.confirmEmailChange).toEqual({ id: user.token.user.id, email: newEmail, emailVerified: true });
    expect((await server.gql(ME, {}, bearer(user.token.accessToken))).data?.me.email).toBe(newEmail);

    const notice = await server.smtp.waitFor((m) => m.to === user.email && !earlier.has(m));
    expect(notice.subject).toBe('Your Girok Test email address was changed');
    expect(notice.text).not.toMatch(/\b\d{6}\b/);
    const events = (await server.gql(MY_EVENTS, {}, bearer(user.token.accessToken))).data?.me.securityEvents.edges;
    expect(events[0].node.type).toBe('EMAIL_CHANGED');

    // The password now goes with the new address; the old address names no account.
    expect((await login(server, newEmail, PASSWORD)).user.id).toBe(user.token.user.id);
    expect(errorCode(await server.gql(`mutation { login(input: { email: "${user.email}", password: "${PASSWORD}" }) { accessToken } }`))).toBe(
      'INVALID_CREDENTIALS',
    );
    // The code worked once.
    expect(errorCode(await server.gql(CONFIRM_CHANGE, { code }, bearer(user.token.accessToken)))).toBe('INVALID_CODE');
  });

  it('answers the same for an address another account holds, sends it no code and tells its owner', async () => {
    const user = await createVerifiedUser(server);
    const owner = await createVerifiedUser(server);
    const earlier = new Set(server.smtp.messages);
    const response = await server.gql(REQUEST_CHANGE, { newEmail: owner.email }, bearer(user.token.accessToken));
    expect(response).toMatchObject({ data: { requestEmailChange: true } });
    expect(response.errors).toBeUndefined();
    const notice = await server.smtp.waitFor((m) => m.to === owner.email && !earlier.has(m));
    expect(notice.subject).toBe('Someone tried to use your Girok Test address');
    expect(notice.text).not.toMatch(/\b\d{6}\b/);
    // No code exists, so any code is wrong, as a wrong guess for a free address would be.
    expect(errorCode(await server.gql(CONFIRM_CHANGE, { code: '123456' }, bearer(user.token.accessToken)))).toBe('INVALID_CODE');
    expect((await server.gql(ME, {}, bearer(user.token.accessToken))).data?.me.email).toBe(user.email);
  });

  it('treats an address a pending registration holds as free: the code goes there, as to any free address', async () => {
    const user = await createVerifiedUser(server);
    const pending = uniqueEmail('squatted');
    await registerAndReadCode(server, pending, 'somebody else chose this');
    const earlier = new Set(server.smtp.messages);
    expect((await server.gql(REQUEST_CHANGE, { newEmail: pending }, bearer(user.token.accessToken))).data?.requestEmailChange).toBe(true);
    // Whoever holds the mailbox may be the one moving; confirming discards the unproven registration
    // (test/attacks/pending-registration.test.ts).
    const mail = await server.smtp.waitFor((m) => m.to === pending && !earlier.has(m));
    expect(mail.subject).toMatch(/confirm your new/i);
  });

  it('refuses a malformed address and the current one with BAD_USER_INPUT', async () => {
    const user = await createVerifiedUser(server);
    const headers = bearer(user.token.accessToken);
    expect((await server.gql(REQUEST_CHANGE, { newEmail: 'nope' }, headers)).errors?.[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'newEmail',
    });
    expect((await server.gql(REQUEST_CHANGE, { newEmail: ` ${user.email.toUpperCase()}` }, headers)).errors?.[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'newEmail',
    });
  });

  it('refuses a wrong code, counting tries, and leaves the address as it was', async () => {
    const user = await createVerifiedUser(server);
    const code = await requestChange(user.token.accessToken, uniqueEmail('wrong'));
    const wrong = code === '111111' ? '222222' : '111111';
    const response = await server.gql(CONFIRM_CHANGE, { code: wrong }, bearer(user.token.accessToken));
    expect(response.errors?.[0].extensions).toMatchObject({ code: 'INVALID_CODE', attemptsLeft: 4 });
    expect((await server.gql(ME, {}, bearer(user.token.accessToken))).data?.me.email).toBe(user.email);
  });

  it('needs a live access token', async () => {
    expect(errorCode(await server.gql(REQUEST_CHANGE, { newEmail: uniqueEmail() }))).toBe('UNAUTHENTICATED');
    expect(errorCode(await server.gql(CONFIRM_CHANGE, { code: '123456' }))).toBe('UNAUTHENTICATED');
  });
});
