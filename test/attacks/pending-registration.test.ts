import { startTestServer, codeIn, errorCode, type TestServer } from '../support/server';
import {
  LOGIN,
  REGISTER,
  RESEND,
  REQUEST_RESET,
  RESET,
  VERIFY,
  bearer,
  createVerifiedUser,
  registerAndReadCode,
  sendSentinelMail,
  uniqueEmail,
} from '../support/flows';
import { startGithubStandIn, type GithubStandIn } from '../federation/github-stand-in';
import { freePort } from '../support/ports';

// Finding 1: a code proves control of the mailbox, not who chose the password.
const VICTIM = 'the victim chose this one';
const ATTACKER = 'the attacker chose that one';
const VERIFY_WITH_USER = `mutation Verify($input: VerifyEmailInput!) { verifyEmail(input: $input) { accessToken user { email emailVerified hasPassword } } }`;

let server: TestServer;
// Federated sign-up through GitHub's loopback stand-in (see test/federation/github.test.ts).
let github: GithubStandIn;
const APP = 'http://127.0.0.1:9/app';
beforeAll(async () => {
  github = await startGithubStandIn({ id: 'pending-test', secret: 'pending-test-secret' });
  const port = await freePort();
  // Room for the several code mails one address gets here (3 an hour by default).
  server = await startTestServer(
    {
      RATE_LIMIT_MAIL_PER_HOUR: '10',
      CODE_RESEND_COOLDOWN: '1',
      PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      OAUTH_REDIRECT_URLS: APP,
      GITHUB_CLIENT_ID: 'pending-test',
      GITHUB_CLIENT_SECRET: 'pending-test-secret',
    },
    undefined,
    { github: github.endpoints },
  );
});
afterAll(async () => {
  await server?.close();
  await github?.close();
});

const login = (email: string, password: string) => server.gql(LOGIN, { input: { email, password } });

/** Verifies with `code` as the mailbox owner does, and checks that neither password signs in. */
async function verifyAndExpectNoPasswordWorks(email: string, code: string): Promise<void> {
  const verified = await server.gql(VERIFY_WITH_USER, { input: { email, code } });
  expect(verified.errors).toBeUndefined();
  // The mailbox owner is signed in: verifying still logs in whoever proved the mailbox.
  expect(verified.data!.verifyEmail.user).toEqual({ email, emailVerified: true, hasPassword: false });
  expect(errorCode(await login(email, ATTACKER))).toBe('INVALID_CREDENTIALS');
  expect(errorCode(await login(email, VICTIM))).toBe('INVALID_CREDENTIALS');
}

describe('a pending registration cannot be taken over', () => {
  it('victim first: an attacker registering the same address makes no password usable, whichever code is entered', async () => {
    const email = uniqueEmail('victim-first');
    await registerAndReadCode(server, email, VICTIM);
    const newest = await registerAndReadCode(server, email, ATTACKER);
    const warning = server.smtp.messages.filter((m) => m.to === email).at(-1)!;
    expect(warning.text).toContain('different password');
    // The victim enters the newest code, as people do.
    await verifyAndExpectNoPasswordWorks(email, newest);
  });

  it('attacker first: the victim registering later does not verify the attacker password either', async () => {
    const email = uniqueEmail('attacker-first');
    await registerAndReadCode(server, email, ATTACKER);
    const victimsCode = await registerAndReadCode(server, email, VICTIM);
    await verifyAndExpectNoPasswordWorks(email, victimsCode);
  });

  it('stays contested through a resend, and the owner then sets a password with the reset flow', async () => {
    const email = uniqueEmail('resend');
    await registerAndReadCode(server, email, VICTIM);
    await registerAndReadCode(server, email, ATTACKER);
    // Past the resend cooldown (1 s here).
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const earlier = new Set(server.smtp.messages);
    expect((await server.gql(RESEND, { email })).errors).toBeUndefined();
    const resent = codeIn(await server.smtp.waitFor((m) => m.to === email && !earlier.has(m)));
    await verifyAndExpectNoPasswordWorks(email, resent);

    const before = new Set(server.smtp.messages);
    await server.gql(REQUEST_RESET, { email });
    const resetCode = codeIn(await server.smtp.waitFor((m) => m.to === email && !before.has(m)));
    expect((await server.gql(RESET, { input: { email, code: resetCode, newPassword: 'chosen after proving the mailbox' } })).errors).toBeUndefined();
    expect((await login(email, 'chosen after proving the mailbox')).data?.login.user.email).toBe(email);
  });

  it('lets the same person register twice with the same password: no contest', async () => {
    const email = uniqueEmail('twice');
    await registerAndReadCode(server, email, VICTIM);
    const second = await registerAndReadCode(server, email, VICTIM);
    expect((await server.gql(VERIFY, { input: { email, code: second } })).errors).toBeUndefined();
    expect((await login(email, VICTIM)).data?.login.user.email).toBe(email);
  });

  it('keeps a contested address unusable for both passwords before verification too', async () => {
    const email = uniqueEmail('unverified');
    await server.gql(REGISTER, { input: { email, password: VICTIM } });
    await server.gql(REGISTER, { input: { email, password: ATTACKER } });
    expect(errorCode(await login(email, ATTACKER))).toBe('INVALID_CREDENTIALS');
    expect(errorCode(await login(email, VICTIM))).toBe('INVALID_CREDENTIALS');
  });
});

// Issue 18: the other paths onto an address someone pre-registered without verifying it.
describe('pre-account hijacking through the other paths', () => {
  const REQUEST_LOGIN_CODE = `mutation RequestLoginCode($email: String!) { requestLoginCode(email: $email) }`;
  const CHANGE_EMAIL = `mutation Change($newEmail: String!) { requestEmailChange(newEmail: $newEmail) }`;
  const CONFIRM_EMAIL = `mutation Confirm($code: String!) { confirmEmailChange(code: $code) { email emailVerified } }`;

  it('a code sign-in mails nothing to a pending registration, so it cannot open the attacker’s account', async () => {
    const email = uniqueEmail('code-login');
    await registerAndReadCode(server, email, ATTACKER);
    const codesBefore = server.smtp.messages.filter((m) => m.to === email).length;
    expect((await server.gql(REQUEST_LOGIN_CODE, { email })).data?.requestLoginCode).toBe(true);
    await sendSentinelMail(server);
    expect(server.smtp.messages.filter((m) => m.to === email)).toHaveLength(codesBefore);
  });

  it('an email change onto a pre-registered address discards that registration and its password', async () => {
    const email = uniqueEmail('pre-registered');
    await server.gql(REGISTER, { input: { email, password: ATTACKER } });
    // The real owner of the mailbox has an account elsewhere and moves it onto the address.
    const owner = await createVerifiedUser(server, undefined, VICTIM);
    const earlier = new Set(server.smtp.messages);
    expect((await server.gql(CHANGE_EMAIL, { newEmail: email }, bearer(owner.token.accessToken))).data?.requestEmailChange).toBe(true);
    const code = codeIn(await server.smtp.waitFor((m) => m.to === email && !earlier.has(m)));
    const confirmed = await server.gql(CONFIRM_EMAIL, { code }, bearer(owner.token.accessToken));
    expect(confirmed.data?.confirmEmailChange).toEqual({ email, emailVerified: true });
    expect(errorCode(await login(email, ATTACKER))).toBe('INVALID_CREDENTIALS');
    expect((await login(email, VICTIM)).data?.login.user.email).toBe(email);
  });

  it('a passkey cannot be planted on a pending registration: adding one needs a signed-in, verified account', async () => {
    const email = uniqueEmail('passkey-plant');
    const code = await registerAndReadCode(server, email, ATTACKER);
    // The attacker knows the password but gets no session before the address is verified, so no passkey.
    expect(errorCode(await login(email, ATTACKER))).toBe('EMAIL_NOT_VERIFIED');
    expect(errorCode(await server.gql(`mutation { startPasskeyRegistration }`))).toBe('UNAUTHENTICATED');
    const started = await server.gql(`mutation Start($email: String) { startPasskeyLogin(email: $email) { options } }`, { email });
    expect(started.data!.startPasskeyLogin.options.allowCredentials).toEqual([]);
    // The mailbox owner verifies: the account holds no passkey anyone else made.
    const verified = await server.gql<{ verifyEmail: { accessToken: string } }>(VERIFY_WITH_USER, { input: { email, code } });
    const mine = await server.gql(`query { me { passkeys { id } mfa { passkeys } } }`, {}, bearer(verified.data!.verifyEmail.accessToken));
    expect(mine.data!.me).toEqual({ passkeys: [], mfa: { passkeys: 0 } });
  });

  it('a federated sign-up with a verified address discards the pending registration: its password and code never open the account', async () => {
    const email = uniqueEmail('fed-victim');
    const attackerCode = await registerAndReadCode(server, email, ATTACKER);
    github.signedIn = { id: 4242, login: 'victim', emails: [{ email, primary: true, verified: true, visibility: 'private' }] };
    const started = await server.gql<{ startOAuth: { authorizationUrl: string } }>(
      `mutation { startOAuth(provider: "github", redirectUrl: "${APP}") { authorizationUrl } }`,
    );
    // As a browser: our start route (its cookie binds the flow), GitHub, our callback with the cookie.
    const atStart = await fetch(started.data!.startOAuth.authorizationUrl, { redirect: 'manual' });
    const cookie = atStart.headers.get('set-cookie')!.split(';')[0];
    const atGithub = await fetch(atStart.headers.get('location')!, { redirect: 'manual' });
    const back = await fetch(atGithub.headers.get('location')!, { redirect: 'manual', headers: { cookie } });
    const ticket = new URL(back.headers.get('location')!).searchParams.get('ticket');
    const signedIn = await server.gql<{ completeOAuth: { user: { email: string; emailVerified: boolean; hasPassword: boolean } } }>(
      `mutation ($t: String!) { completeOAuth(ticket: $t) { user { email emailVerified hasPassword } } }`,
      { t: ticket },
    );
    expect(signedIn.data!.completeOAuth.user).toEqual({ email, emailVerified: true, hasPassword: false });
    expect(errorCode(await login(email, ATTACKER))).toBe('INVALID_CREDENTIALS');
    expect(errorCode(await server.gql(VERIFY, { input: { email, code: attackerCode } }))).toBe('INVALID_CODE');
  });
});
