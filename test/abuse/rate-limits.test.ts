import { MUTATION_POLICIES, RATE_LIMIT_EXEMPT } from '../../src/graphql/rate-limit.policy';
import { createSchema } from '../../src/graphql/schema';
import { startTestServer, errorCode, type TestServer } from '../support/server';
import { LOGIN, PASSWORD, REFRESH, REGISTER, RESEND, createVerifiedUser, sendSentinelMail, uniqueEmail } from '../support/flows';

const servers: TestServer[] = [];
async function serverWith(env: Record<string, string>): Promise<TestServer> {
  const server = await startTestServer(env);
  servers.push(server);
  return server;
}
afterAll(() => Promise.all(servers.map((s) => s.close())));

const login = (server: TestServer, email: string, password: string, headers?: Record<string, string>) =>
  server.gql(LOGIN, { input: { email, password } }, headers);

describe('rate limit policy', () => {
  it('covers every auth mutation of the API contract', () => {
    expect(Object.keys(MUTATION_POLICIES).sort()).toEqual(
      [
        'changePassword',
        'confirmEmailChange',
        'login',
        'loginWithCode',
        'refreshToken',
        'register',
        'requestEmailChange',
        'requestLoginCode',
        'requestPasswordReset',
        'resendVerificationCode',
        'resetPassword',
        'verifyEmail',
        // The second factor.
        'verifyMfa',
        'confirmTotpEnrollment',
        'reauthenticate',
        'startTotpEnrollment',
        // Passkeys: a failed finishPasskeyLogin spends the wrong-password budget of the passkey's account.
        'startPasskeyLogin',
        'finishPasskeyLogin',
        'startPasskeyRegistration',
        'finishPasskeyRegistration',
        // Federated sign-in.
        'startOAuth',
        'completeOAuth',
      ].sort(),
    );
  });

  it('names every mutation of the schema: limited by a policy, or exempt with a reason', async () => {
    const mutations = Object.keys((await createSchema()).getMutationType()!.getFields());
    const listed = [...Object.keys(MUTATION_POLICIES), ...Object.keys(RATE_LIMIT_EXEMPT)];
    expect(mutations.filter((name) => !listed.includes(name))).toEqual([]);
    expect(listed.filter((name) => !mutations.includes(name))).toEqual([]);
    expect(Object.keys(MUTATION_POLICIES).filter((name) => name in RATE_LIMIT_EXEMPT)).toEqual([]);
  });
});

describe('login failures per account', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await serverWith({ RATE_LIMIT_LOGIN_FAILURES: '5', RATE_LIMIT_LOGIN_WINDOW: '900', RATE_LIMIT_IP_PER_MINUTE: '1000' });
  });

  it('after 5 wrong passwords refuses even the right one with RATE_LIMITED and retryAfter', async () => {
    const { email, password } = await createVerifiedUser(server);
    const codes: (string | undefined)[] = [];
    for (let i = 0; i < 5; i++) codes.push(errorCode(await login(server, email, `wrong password ${i}`)));
    expect(codes).toEqual(Array(5).fill('INVALID_CREDENTIALS'));

    const limited = await login(server, email, password);
    expect(errorCode(limited)).toBe('RATE_LIMITED');
    const retryAfter = limited.errors![0].extensions!.retryAfter;
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThan(800);
    expect(retryAfter).toBeLessThanOrEqual(900);
  });

  it('counts the account, not the spelling: case and spaces share one budget', async () => {
    const { email } = await createVerifiedUser(server);
    for (let i = 0; i < 5; i++) await login(server, i % 2 ? `  ${email.toUpperCase()} ` : email, 'wrong password');
    expect(errorCode(await login(server, email, 'another wrong one'))).toBe('RATE_LIMITED');
  });

  it('counts parallel wrong passwords atomically: at most 5 are checked', async () => {
    const { email } = await createVerifiedUser(server);
    const results = await Promise.all(Array.from({ length: 15 }, () => login(server, email, 'wrong password')));
    expect(results.filter((r) => errorCode(r) === 'INVALID_CREDENTIALS').length).toBe(5);
    expect(results.filter((r) => errorCode(r) === 'RATE_LIMITED').length).toBe(10);
  });

  it('a successful login clears the failures', async () => {
    const { email, password } = await createVerifiedUser(server);
    for (let i = 0; i < 4; i++) await login(server, email, 'wrong password');
    expect((await login(server, email, password)).data?.login.tokenType).toBe('Bearer');
    for (let i = 0; i < 4; i++) expect(errorCode(await login(server, email, 'wrong password'))).toBe('INVALID_CREDENTIALS');
    expect((await login(server, email, password)).data?.login.tokenType).toBe('Bearer');
  });

  it('does not count bad input or an unverified account as a failure', async () => {
    const email = uniqueEmail();
    await server.gql(REGISTER, { input: { email, password: PASSWORD } });
    for (let i = 0; i < 6; i++) expect(errorCode(await login(server, email, PASSWORD))).toBe('EMAIL_NOT_VERIFIED');
  });
});

describe('login backoff', () => {
  it('ends, so the owner gets back in, and grows with each lockout', async () => {
    const server = await serverWith({ RATE_LIMIT_LOGIN_FAILURES: '2', RATE_LIMIT_LOGIN_WINDOW: '2', RATE_LIMIT_LOGIN_MAX_BACKOFF: '60' });
    const { email, password } = await createVerifiedUser(server);
    const lockOut = async () => {
      // The window is 2 s, so both failures (and the check after them) must land inside it.
      await Promise.all([login(server, email, 'wrong password'), login(server, email, 'wrong password')]);
      const limited = await login(server, email, password);
      expect(errorCode(limited)).toBe('RATE_LIMITED');
      return limited.errors![0].extensions!.retryAfter as number;
    };
    expect(await lockOut()).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 2100));
    expect((await login(server, email, password)).data?.login.tokenType).toBe('Bearer');
    expect(await lockOut()).toBe(4);
    await new Promise((resolve) => setTimeout(resolve, 4100));
    expect((await login(server, email, password)).data?.login.tokenType).toBe('Bearer');
  });
});

describe('login failures per account, with many logins in flight', () => {
  it('never refuses the right password: 8 at once on one account all sign in', async () => {
    const server = await serverWith({ RATE_LIMIT_LOGIN_FAILURES: '5', RATE_LIMIT_IP_PER_MINUTE: '1000' });
    const { email, password } = await createVerifiedUser(server);
    const answers = await Promise.all(Array.from({ length: 8 }, () => login(server, email, password)));
    expect(answers.map((answer) => errorCode(answer) ?? answer.data?.login.tokenType)).toEqual(Array(8).fill('Bearer'));
  });

  it('still lets no more than the budget of wrong passwords through when they come at once', async () => {
    const server = await serverWith({ RATE_LIMIT_LOGIN_FAILURES: '5', RATE_LIMIT_IP_PER_MINUTE: '1000' });
    const { email } = await createVerifiedUser(server);
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => login(server, email, `wrong password ${i}`)));
    const codes = answers.map(errorCode);
    expect(codes.filter((code) => code === 'INVALID_CREDENTIALS')).toHaveLength(5);
    expect(codes.filter((code) => code === 'RATE_LIMITED')).toHaveLength(7);
  });
});

describe('per-IP budgets', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await serverWith({ RATE_LIMIT_IP_PER_MINUTE: '3', RATE_LIMIT_REFRESH_IP_PER_MINUTE: '2', TRUST_PROXY: '127.0.0.1' });
  });
  const from = (ip: string) => ({ 'x-forwarded-for': ip });

  it('counts every login call from one IP, whatever the account', async () => {
    const results = [];
    for (let i = 0; i < 4; i++) results.push(errorCode(await login(server, uniqueEmail(), PASSWORD, from('203.0.113.7'))));
    expect(results).toEqual(['INVALID_CREDENTIALS', 'INVALID_CREDENTIALS', 'INVALID_CREDENTIALS', 'RATE_LIMITED']);
    // Another client (through the trusted proxy) has its own budget.
    expect(errorCode(await login(server, uniqueEmail(), PASSWORD, from('203.0.113.8')))).toBe('INVALID_CREDENTIALS');
  });

  it('counts malformed calls too, and refuses them before the resolver once spent', async () => {
    const ip = from('203.0.113.9');
    for (let i = 0; i < 3; i++) expect(errorCode(await server.gql(REGISTER, { input: { email: 'nope', password: PASSWORD } }, ip))).toBe('BAD_USER_INPUT');
    expect(errorCode(await server.gql(REGISTER, { input: { email: 'nope', password: PASSWORD } }, ip))).toBe('RATE_LIMITED');
  });

  it('limits refreshToken per IP', async () => {
    const ip = from('203.0.113.10');
    const codes = [];
    for (let i = 0; i < 3; i++) codes.push(errorCode(await server.gql(REFRESH, { token: 'a'.repeat(43) }, ip)));
    expect(codes).toEqual(['UNAUTHENTICATED', 'UNAUTHENTICATED', 'RATE_LIMITED']);
  });
});

describe('mail per address', () => {
  it('sends at most 3 mails an hour to one address, however it is spelled', async () => {
    const server = await serverWith({ CODE_RESEND_COOLDOWN: '0', RATE_LIMIT_MAIL_PER_HOUR: '3' });
    const email = uniqueEmail();
    expect((await server.gql(REGISTER, { input: { email, password: PASSWORD } })).errors).toBeUndefined();
    expect((await server.gql(RESEND, { email: email.toUpperCase() })).errors).toBeUndefined();
    expect((await server.gql(RESEND, { email: ` ${email} ` })).errors).toBeUndefined();
    await server.smtp.waitFor(() => server.smtp.messages.filter((m) => m.to === email).length === 3);

    // Past the budget the calls answer as before (a refusal would tell an account from none) and send nothing.
    expect((await server.gql(RESEND, { email })).errors).toBeUndefined();
    expect((await server.gql(REGISTER, { input: { email, password: PASSWORD } })).errors).toBeUndefined();
    await sendSentinelMail(server);
    expect(server.smtp.messages.filter((m) => m.to === email)).toHaveLength(3);
  });

  it('does not spend the budget on a refused registration', async () => {
    const server = await serverWith({ RATE_LIMIT_MAIL_PER_HOUR: '1' });
    const email = uniqueEmail();
    expect(errorCode(await server.gql(REGISTER, { input: { email, password: 'short' } }))).toBe('BAD_USER_INPUT');
    expect((await server.gql(REGISTER, { input: { email, password: PASSWORD } })).errors).toBeUndefined();
    await server.smtp.waitFor((m) => m.to === email);
  });
});
