import { startTestServer, codeIn, errorCode, type TestServer } from '../support/server';
import { LOGIN, ME, PASSWORD, REGISTER, RESEND, VERIFY, bearer, registerAndReadCode, sendSentinelMail, uniqueEmail, type TokenPayload } from '../support/flows';

// Short, so the test can wait one out.
const COOLDOWN = 2;
let server: TestServer;
beforeAll(async () => {
  // The per-address budget of wrong codes is raised: these tests are about each code's own rules.
  server = await startTestServer({ APP_NAME: 'Girok Test', CODE_RESEND_COOLDOWN: String(COOLDOWN), RATE_LIMIT_CODE_FAILURES: '1000' });
});
afterAll(() => server?.close());

const sql = (query: string, params: unknown[] = []) => server.app.orm.em.fork().getConnection().execute(query, params);

describe('register', () => {
  it('answers with the code expiry and mails a 6-digit code in both parts', async () => {
    const email = uniqueEmail();
    const response = await server.gql(REGISTER, { input: { email, password: PASSWORD } });
    expect(response.errors).toBeUndefined();
    const payload = response.data!.register;
    expect(payload.email).toBe(email);
    const expiresIn = Date.parse(payload.codeExpiresAt) - Date.now();
    expect(expiresIn).toBeGreaterThan(590_000);
    expect(expiresIn).toBeLessThanOrEqual(600_000);
    expect(Date.parse(payload.resendAvailableAt)).toBeGreaterThan(Date.now() + COOLDOWN * 1000 - 1000);

    const mail = await server.smtp.waitFor((m) => m.to === email);
    const code = codeIn(mail);
    expect(mail.subject).toContain('Girok Test');
    expect(mail.html).toContain(code);
  });

  it('normalizes the address: case and spaces do not make a second account', async () => {
    const email = uniqueEmail('Mixed');
    const code = await registerAndReadCode(server, `  ${email.toUpperCase()} `);
    const verified = await server.gql(VERIFY, { input: { email, code } });
    expect(verified.data?.verifyEmail.user.email).toBe(email.toLowerCase());
  });

  it('refuses a malformed email naming the field, and writes no row', async () => {
    const response = await server.gql(REGISTER, { input: { email: 'not-an-email', password: PASSWORD } });
    expect(errorCode(response)).toBe('BAD_USER_INPUT');
    expect(response.errors![0].extensions!.field).toBe('email');
    expect(await sql('select count(*)::int as n from users where email = ?', ['not-an-email'])).toEqual([{ n: 0 }]);
  });

  it('refuses a short password naming the field', async () => {
    const response = await server.gql(REGISTER, { input: { email: uniqueEmail(), password: 'short' } });
    expect(errorCode(response)).toBe('BAD_USER_INPUT');
    expect(response.errors![0].extensions!.field).toBe('password');
  });

  it('registering again with the same password sends a new code and kills the old one; the password works', async () => {
    const email = uniqueEmail();
    const oldCode = await registerAndReadCode(server, email, 'first password 1');
    const newCode = await registerAndReadCode(server, email, 'first password 1');
    if (oldCode !== newCode) {
      expect(errorCode(await server.gql(VERIFY, { input: { email, code: oldCode } }))).toBe('INVALID_CODE');
    }
    expect((await server.gql(VERIFY, { input: { email, code: newCode } })).data?.verifyEmail.user.email).toBe(email);
    expect((await server.gql(LOGIN, { input: { email, password: 'first password 1' } })).data?.login.tokenType).toBe('Bearer');
  });
});

describe('verifyEmail', () => {
  it('verifies the account and logs the person in', async () => {
    const email = uniqueEmail();
    const code = await registerAndReadCode(server, email);
    const response = await server.gql<{ verifyEmail: TokenPayload }>(VERIFY, { input: { email, code } });
    expect(response.errors).toBeUndefined();
    const token = response.data!.verifyEmail;
    expect(token).toMatchObject({ tokenType: 'Bearer', expiresIn: 900, user: { email, emailVerified: true } });
    // version, session id, counter and a 256-bit MAC, base64url (sessions/refresh-token.ts)
    expect(token.refreshToken).toMatch(/^[A-Za-z0-9_-]{76}$/);

    const me = await server.gql(ME, {}, bearer(token.accessToken));
    expect(me.data?.me).toMatchObject({ email, emailVerified: true, id: token.user.id });
  });

  it('is single use', async () => {
    const email = uniqueEmail();
    const code = await registerAndReadCode(server, email);
    expect((await server.gql(VERIFY, { input: { email, code } })).errors).toBeUndefined();
    expect(errorCode(await server.gql(VERIFY, { input: { email, code } }))).toBe('INVALID_CODE');
  });

  it('refuses a wrong code and says how many tries are left', async () => {
    const email = uniqueEmail();
    const code = await registerAndReadCode(server, email);
    const wrong = code === '000000' ? '000001' : '000000';
    const response = await server.gql(VERIFY, { input: { email, code: wrong } });
    expect(errorCode(response)).toBe('INVALID_CODE');
    expect(response.errors![0].extensions!.attemptsLeft).toBe(4);
  });

  it('kills the code after 5 wrong tries, even for the right code', async () => {
    const email = uniqueEmail();
    const code = await registerAndReadCode(server, email);
    const wrong = code === '000000' ? '000001' : '000000';
    const codes: (string | undefined)[] = [];
    for (let i = 0; i < 5; i++) codes.push(errorCode(await server.gql(VERIFY, { input: { email, code: wrong } })));
    expect(codes).toEqual(['INVALID_CODE', 'INVALID_CODE', 'INVALID_CODE', 'INVALID_CODE', 'TOO_MANY_ATTEMPTS']);
    expect(errorCode(await server.gql(VERIFY, { input: { email, code } }))).toBe('TOO_MANY_ATTEMPTS');
  });

  it('counts parallel wrong guesses atomically: at most 5 are checked', async () => {
    const email = uniqueEmail();
    const code = await registerAndReadCode(server, email);
    const wrong = code === '000000' ? '000001' : '000000';
    const results = await Promise.all(Array.from({ length: 20 }, () => server.gql(VERIFY, { input: { email, code: wrong } })));
    const invalid = results.filter((r) => errorCode(r) === 'INVALID_CODE').length;
    expect(invalid).toBeLessThanOrEqual(4);
    expect(results.every((r) => ['INVALID_CODE', 'TOO_MANY_ATTEMPTS'].includes(errorCode(r)!))).toBe(true);
    const [row] = await sql(`select c.attempts from codes c join users u on u.id = c.user_id where u.email = ?`, [email]);
    expect(row.attempts).toBe(5);
    expect(errorCode(await server.gql(VERIFY, { input: { email, code } }))).toBe('TOO_MANY_ATTEMPTS');
  });

  it('refuses an expired code', async () => {
    const email = uniqueEmail();
    const code = await registerAndReadCode(server, email);
    await sql(`update codes set expires_at = now() - interval '1 second' where user_id = (select id from users where email = ?)`, [email]);
    expect(errorCode(await server.gql(VERIFY, { input: { email, code } }))).toBe('CODE_EXPIRED');
  });

  it('answers INVALID_CODE for an address that never registered', async () => {
    expect(errorCode(await server.gql(VERIFY, { input: { email: uniqueEmail(), code: '123456' } }))).toBe('INVALID_CODE');
  });

  it('refuses a code that is not 6 digits as bad input', async () => {
    const response = await server.gql(VERIFY, { input: { email: uniqueEmail(), code: '12ab' } });
    expect(errorCode(response)).toBe('BAD_USER_INPUT');
    expect(response.errors![0].extensions!.field).toBe('code');
  });
});

describe('resendVerificationCode', () => {
  it('honours the cooldown, then sends a new code that replaces the old one', async () => {
    const email = uniqueEmail();
    const oldCode = await registerAndReadCode(server, email);
    const early = await server.gql(RESEND, { email });
    expect(errorCode(early)).toBe('RATE_LIMITED');
    expect(early.errors![0].extensions!.retryAfter).toBeGreaterThan(0);
    expect(early.errors![0].extensions!.retryAfter).toBeLessThanOrEqual(COOLDOWN);

    await new Promise((resolve) => setTimeout(resolve, COOLDOWN * 1000 + 100));
    const earlier = new Set(server.smtp.messages);
    const resent = await server.gql(RESEND, { email });
    expect(resent.errors).toBeUndefined();
    const newCode = codeIn(await server.smtp.waitFor((m) => m.to === email && !earlier.has(m)));
    if (newCode !== oldCode) expect(errorCode(await server.gql(VERIFY, { input: { email, code: oldCode } }))).toBe('INVALID_CODE');
    expect((await server.gql(VERIFY, { input: { email, code: newCode } })).errors).toBeUndefined();
  });

  it('answers an unknown address the same way and sends nothing', async () => {
    const email = uniqueEmail();
    const response = await server.gql(RESEND, { email });
    expect(response.errors).toBeUndefined();
    expect(response.data!.resendVerificationCode.email).toBe(email);
    await sendSentinelMail(server);
    expect(server.smtp.messages.some((m) => m.to === email)).toBe(false);
  });
});

describe('login', () => {
  it('refuses an unverified account after a correct password', async () => {
    const email = uniqueEmail();
    await registerAndReadCode(server, email);
    expect(errorCode(await server.gql(LOGIN, { input: { email, password: PASSWORD } }))).toBe('EMAIL_NOT_VERIFIED');
    expect(errorCode(await server.gql(LOGIN, { input: { email, password: 'wrong password' } }))).toBe('INVALID_CREDENTIALS');
  });

  it('answers an unknown email and a wrong password alike', async () => {
    const email = uniqueEmail();
    const code = await registerAndReadCode(server, email);
    await server.gql(VERIFY, { input: { email, code } });
    const wrong = await server.gql(LOGIN, { input: { email, password: 'wrong password' } });
    const unknown = await server.gql(LOGIN, { input: { email: uniqueEmail(), password: 'wrong password' } });
    expect(errorCode(wrong)).toBe('INVALID_CREDENTIALS');
    expect(unknown.errors).toEqual(wrong.errors);
  });

  it('returns a fresh session for a verified account', async () => {
    const email = uniqueEmail();
    const code = await registerAndReadCode(server, email);
    const first = (await server.gql(VERIFY, { input: { email, code } })).data!.verifyEmail;
    const login = await server.gql<{ login: TokenPayload }>(LOGIN, { input: { email: email.toUpperCase(), password: PASSWORD } });
    expect(login.data!.login.user.id).toBe(first.user.id);
    expect(login.data!.login.refreshToken).not.toBe(first.refreshToken);
    expect((await server.gql(ME, {}, bearer(login.data!.login.accessToken))).data?.me.email).toBe(email);
  });
});
