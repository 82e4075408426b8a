import { LOGIN, ME, PASSWORD, REFRESH, REQUEST_RESET, RESET, bearer, createVerifiedUser, login, uniqueEmail, type TokenPayload } from '../support/flows';
import { codeIn, errorCode, startTestServer, type TestServer } from '../support/server';
import { CONFIRM, DISABLE, MFA_STATUS, REAUTHENTICATE, REGENERATE, START, claimsOf, enrollTotp, mfaTokenOf, query, verifyMfa } from './support';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ APP_NAME: 'Girok Test' });
});
afterAll(() => server?.close());

async function sessionCount(userId: string): Promise<number> {
  const [row] = await query<{ n: string | number }>(server, 'select count(*) as n from sessions where user_id = ?', [userId]);
  return Number(row.n);
}

/** A verified account with TOTP on, and what its person holds. */
async function mfaUser() {
  const user = await createVerifiedUser(server);
  const enrolled = await enrollTotp(server, user.token.accessToken);
  return { ...user, ...enrolled };
}

describe('TOTP enrollment', () => {
  it('shows a base32 secret, an otpauth URI with APP_NAME as issuer, and a QR code drawn as SVG', async () => {
    const user = await createVerifiedUser(server);
    const response = await server.gql(START, {}, bearer(user.token.accessToken));
    expect(response.errors).toBeUndefined();
    const { secret, uri, qrCodeSvg } = response.data!.startTotpEnrollment;
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    const parsed = new URL(uri);
    expect(parsed.protocol).toBe('otpauth:');
    expect(parsed.host).toBe('totp');
    expect(decodeURIComponent(parsed.pathname)).toBe(`/Girok Test:${user.email}`);
    expect(parsed.searchParams.get('issuer')).toBe('Girok Test');
    expect(parsed.searchParams.get('secret')).toBe(secret);
    expect(qrCodeSvg).toMatch(/^<svg[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"[\s\S]*<\/svg>$/);
    // Pending: sign-ins do not ask for it yet.
    expect((await server.gql(MFA_STATUS, {}, bearer(user.token.accessToken))).data!.me.mfa).toEqual({ totp: false, passkeys: 0, recoveryCodesLeft: 0 });
    expect((await server.gql(LOGIN, { input: { email: user.email, password: PASSWORD } })).errors).toBeUndefined();
  });

  it('turns on with a right code, returns 10 recovery codes once, and mails a notice', async () => {
    const user = await createVerifiedUser(server);
    const { recoveryCodes } = await enrollTotp(server, user.token.accessToken);
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);
    for (const code of recoveryCodes) expect(code).toMatch(/^[2-9a-z]{5}-[2-9a-z]{5}$/);
    expect((await server.gql(MFA_STATUS, {}, bearer(user.token.accessToken))).data!.me.mfa).toEqual({ totp: true, passkeys: 0, recoveryCodesLeft: 10 });
    const notice = await server.smtp.waitFor((m) => m.to === user.email && /two-step verification is on/i.test(m.subject));
    expect(notice.text).toMatch(/turned on/);
  });

  it('refuses a wrong code, a malformed one, and a confirm with nothing pending, writing nothing', async () => {
    const user = await createVerifiedUser(server);
    const auth = bearer(user.token.accessToken);
    expect(errorCode(await server.gql(CONFIRM, { code: '123456' }, auth))).toBe('BAD_USER_INPUT');
    await server.gql(START, {}, auth);
    expect(errorCode(await server.gql(CONFIRM, { code: '12345' }, auth))).toBe('BAD_USER_INPUT');
    const wrong = await server.gql(CONFIRM, { code: '000000' }, auth);
    // One in a million: 000000 could be the right code; then this test says so plainly.
    expect(errorCode(wrong)).toBe('INVALID_CODE');
    expect((await server.gql(MFA_STATUS, {}, auth)).data!.me.mfa.totp).toBe(false);
  });

  it('keeps the secret sealed in the database, never in clear', async () => {
    const user = await createVerifiedUser(server);
    const started = await server.gql(START, {}, bearer(user.token.accessToken));
    const secret: string = started.data!.startTotpEnrollment.secret;
    const [row] = await query<{ secret_sealed: Buffer }>(server, 'select secret_sealed from mfa_totp_factors where user_id = ?', [user.token.user.id]);
    const stored = Buffer.from(row.secret_sealed);
    const raw = base32Decode(secret);
    expect(stored.includes(raw)).toBe(false);
    expect(stored.toString('latin1').includes(secret)).toBe(false);
    expect(stored.length).toBe(12 + 16 + raw.length);
  });

  it('needs a signed-in viewer', async () => {
    expect(errorCode(await server.gql(START))).toBe('UNAUTHENTICATED');
  });
});

describe('sign-in with a second factor', () => {
  it('login answers MFA_REQUIRED with an mfaToken and the methods, and opens no session', async () => {
    const user = await mfaUser();
    const before = await sessionCount(user.token.user.id);
    const response = await server.gql(LOGIN, { input: { email: user.email, password: PASSWORD } });
    expect(response.data).toBeNull();
    expect(response.errors![0].extensions).toMatchObject({ code: 'MFA_REQUIRED', methods: ['TOTP', 'RECOVERY_CODE'] });
    expect(mfaTokenOf(response)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await sessionCount(user.token.user.id)).toBe(before);
  });

  it('verifyMfa with a code from the app returns the Token, with amr pwd otp mfa and auth_time', async () => {
    const user = await mfaUser();
    const mfaToken = mfaTokenOf(await server.gql(LOGIN, { input: { email: user.email, password: PASSWORD } }));
    const response = await verifyMfa(server, mfaToken, await user.app.nextCode());
    expect(response.errors).toBeUndefined();
    const token = response.data!.verifyMfa;
    expect(token.user.email).toBe(user.email);
    const claims = claimsOf(token.accessToken);
    expect(claims.amr).toEqual(['pwd', 'otp', 'mfa']);
    expect(typeof claims.auth_time).toBe('number');
    expect((await server.gql(ME, {}, bearer(token.accessToken))).data!.me.email).toBe(user.email);
    // A refresh keeps how and when the session was authenticated.
    const refreshed = await server.gql<{ refreshToken: TokenPayload }>(REFRESH, { token: token.refreshToken });
    expect(claimsOf(refreshed.data!.refreshToken.accessToken)).toMatchObject({ amr: ['pwd', 'otp', 'mfa'], auth_time: claims.auth_time });
    // The mfaToken is single use.
    expect(errorCode(await verifyMfa(server, mfaToken, await user.app.nextCode()))).toBe('UNAUTHENTICATED');
  });

  it('refuses a replayed code', async () => {
    const user = await mfaUser();
    const first = mfaTokenOf(await server.gql(LOGIN, { input: { email: user.email, password: PASSWORD } }));
    const code = await user.app.nextCode();
    expect((await verifyMfa(server, first, code)).errors).toBeUndefined();
    const second = mfaTokenOf(await server.gql(LOGIN, { input: { email: user.email, password: PASSWORD } }));
    const replay = await verifyMfa(server, second, code);
    expect(errorCode(replay)).toBe('INVALID_CODE');
    expect(replay.errors![0].extensions!.attemptsLeft).toBe(4);
    // The code the enrollment used is refused too: it is older still.
    expect(errorCode(await verifyMfa(server, second, user.app.codeAt(user.app.last - 1)))).toBe('INVALID_CODE');
  });

  it('takes each recovery code once', async () => {
    const user = await mfaUser();
    const [recovery] = user.recoveryCodes;
    const first = mfaTokenOf(await server.gql(LOGIN, { input: { email: user.email, password: PASSWORD } }));
    // Typed in capitals without the dash, as people do.
    const response = await verifyMfa(server, first, recovery.toUpperCase().replace('-', ''));
    expect(response.errors).toBeUndefined();
    expect(claimsOf(response.data!.verifyMfa.accessToken).amr).toEqual(['pwd', 'otp', 'mfa']);
    const second = mfaTokenOf(await server.gql(LOGIN, { input: { email: user.email, password: PASSWORD } }));
    expect(errorCode(await verifyMfa(server, second, recovery))).toBe('INVALID_CODE');
    const status = await server.gql(MFA_STATUS, {}, bearer(response.data!.verifyMfa.accessToken));
    expect(status.data!.me.mfa.recoveryCodesLeft).toBe(9);
    const [event] = await query<{ n: string | number }>(server, "select count(*) as n from security_events where user_id = ? and type = 'recovery_code_used'", [
      user.token.user.id,
    ]);
    expect(Number(event.n)).toBe(1);
  });

  it('takes at most 5 tries per mfaToken, even 20 wrong codes in parallel', async () => {
    const user = await mfaUser();
    const mfaToken = mfaTokenOf(await server.gql(LOGIN, { input: { email: user.email, password: PASSWORD } }));
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => verifyMfa(server, mfaToken, String(100000 + i))));
    expect(answers.every((answer) => answer.errors && !answer.data?.verifyMfa)).toBe(true);
    const codes = answers.map(errorCode);
    expect(codes.filter((code) => code === 'INVALID_CODE').length).toBeLessThanOrEqual(4);
    for (const code of codes) expect(['INVALID_CODE', 'TOO_MANY_ATTEMPTS', 'RATE_LIMITED']).toContain(code);
    const [ticket] = await query<{ attempts: number }>(server, 'select attempts from mfa_tickets where user_id = ?', [user.token.user.id]);
    expect(ticket.attempts).toBe(5);
    // Dead: even the right code no longer completes it.
    const late = await verifyMfa(server, mfaToken, await user.app.nextCode());
    expect(['TOO_MANY_ATTEMPTS', 'RATE_LIMITED']).toContain(errorCode(late));
    expect(await sessionCount(user.token.user.id)).toBe(1);
  });

  it('answers malformed input with BAD_USER_INPUT and an unknown mfaToken with UNAUTHENTICATED', async () => {
    const user = await mfaUser();
    const mfaToken = mfaTokenOf(await server.gql(LOGIN, { input: { email: user.email, password: PASSWORD } }));
    const malformedCode = await verifyMfa(server, mfaToken, 'not a code');
    expect(errorCode(malformedCode)).toBe('BAD_USER_INPUT');
    expect(malformedCode.errors![0].extensions!.field).toBe('code');
    expect(errorCode(await verifyMfa(server, 'short', '123456'))).toBe('BAD_USER_INPUT');
    expect(errorCode(await verifyMfa(server, 'A'.repeat(43), '123456'))).toBe('UNAUTHENTICATED');
    // None of these counted against the real ticket.
    expect((await verifyMfa(server, mfaToken, await user.app.nextCode())).errors).toBeUndefined();
  });

  it("refuses another account's code: the ticket is bound to its account", async () => {
    const alice = await mfaUser();
    const bob = await mfaUser();
    const mfaToken = mfaTokenOf(await server.gql(LOGIN, { input: { email: alice.email, password: PASSWORD } }));
    expect(errorCode(await verifyMfa(server, mfaToken, await bob.app.nextCode()))).toBe('INVALID_CODE');
    expect(errorCode(await verifyMfa(server, mfaToken, bob.recoveryCodes[0]))).toBe('INVALID_CODE');
  });

  it('resetPassword sets the new password but answers MFA_REQUIRED and opens no session', async () => {
    const user = await mfaUser();
    const earlier = new Set(server.smtp.messages);
    await server.gql(REQUEST_RESET, { email: user.email });
    const mail = await server.smtp.waitFor((m) => m.to === user.email && !earlier.has(m) && /\b\d{6}\b/.test(m.text));
    const response = await server.gql(RESET, { input: { email: user.email, code: codeIn(mail), newPassword: 'a brand new passphrase' } });
    const mfaToken = mfaTokenOf(response);
    // Every earlier session ended, and none opened.
    const [live] = await query<{ n: string | number }>(server, 'select count(*) as n from sessions where user_id = ? and revoked_at is null', [
      user.token.user.id,
    ]);
    expect(Number(live.n)).toBe(0);
    const done = await verifyMfa(server, mfaToken, await user.app.nextCode());
    expect(done.errors).toBeUndefined();
    expect(mfaTokenOf(await server.gql(LOGIN, { input: { email: user.email, password: 'a brand new passphrase' } }))).toBeTruthy();
  });
});

describe('sudo mode', () => {
  it('lets a fresh sign-in disable TOTP, with a notice mail, and then logins need no code', async () => {
    const user = await mfaUser();
    const response = await server.gql(DISABLE, {}, bearer(user.token.accessToken));
    expect(response.errors).toBeUndefined();
    expect(response.data!.disableTotp).toBe(true);
    await server.smtp.waitFor((m) => m.to === user.email && /two-step verification is off/i.test(m.subject));
    expect((await login(server, user.email)).accessToken).toBeTruthy();
    expect((await server.gql(MFA_STATUS, {}, bearer(user.token.accessToken))).data!.me.mfa).toEqual({ totp: false, passkeys: 0, recoveryCodesLeft: 0 });
    const timeline = await server.gql(`query { me { securityEvents(first: 5) { edges { node { type } } } } }`, {}, bearer(user.token.accessToken));
    const types = timeline.data!.me.securityEvents.edges.map((edge: { node: { type: string } }) => edge.node.type);
    expect(types.slice(0, 3)).toEqual(['LOGIN_SUCCEEDED', 'MFA_DISABLED', 'MFA_ENABLED']);
  });

  it('regenerates recovery codes: the old ones stop working', async () => {
    const user = await mfaUser();
    const response = await server.gql(REGENERATE, {}, bearer(user.token.accessToken));
    expect(response.errors).toBeUndefined();
    const fresh: string[] = response.data!.regenerateRecoveryCodes;
    expect(fresh).toHaveLength(10);
    const mfaToken = mfaTokenOf(await server.gql(LOGIN, { input: { email: user.email, password: PASSWORD } }));
    expect(errorCode(await verifyMfa(server, mfaToken, user.recoveryCodes[0]))).toBe('INVALID_CODE');
    expect((await verifyMfa(server, mfaToken, fresh[0])).errors).toBeUndefined();
  });

  it('refuses regenerating without TOTP on', async () => {
    const user = await createVerifiedUser(server);
    expect(errorCode(await server.gql(REGENERATE, {}, bearer(user.token.accessToken)))).toBe('FORBIDDEN');
  });
});

describe('sudo mode outside REAUTH_WINDOW', () => {
  let short: TestServer;
  beforeAll(async () => {
    short = await startTestServer({ REAUTH_WINDOW: '3' });
  });
  afterAll(() => short?.close());

  it('answers REAUTHENTICATION_REQUIRED, also after a refresh, until reauthenticate with the password or a code', async () => {
    const user = await createVerifiedUser(short, uniqueEmail('sudo'));
    const { app } = await enrollTotp(short, user.token.accessToken);
    await new Promise((resolve) => setTimeout(resolve, 4100));
    const auth = bearer(user.token.accessToken);
    const refused = await short.gql(DISABLE, {}, auth);
    expect(errorCode(refused)).toBe('REAUTHENTICATION_REQUIRED');
    expect(errorCode(await short.gql(REGENERATE, {}, auth))).toBe('REAUTHENTICATION_REQUIRED');
    const refreshed = await short.gql<{ refreshToken: TokenPayload }>(REFRESH, { token: user.token.refreshToken });
    expect(errorCode(await short.gql(DISABLE, {}, bearer(refreshed.data!.refreshToken.accessToken)))).toBe('REAUTHENTICATION_REQUIRED');

    expect(errorCode(await short.gql(REAUTHENTICATE, { input: { password: 'wrong password' } }, auth))).toBe('INVALID_CREDENTIALS');
    expect(errorCode(await short.gql(REAUTHENTICATE, { input: { code: '000001' } }, auth))).toBe('INVALID_CODE');
    expect(errorCode(await short.gql(REAUTHENTICATE, { input: {} }, auth))).toBe('BAD_USER_INPUT');
    expect(errorCode(await short.gql(REAUTHENTICATE, { input: { password: PASSWORD } }))).toBe('UNAUTHENTICATED');

    const byCode = await short.gql<{ reauthenticate: TokenPayload }>(REAUTHENTICATE, { input: { code: await app.nextCode() } }, auth);
    expect(byCode.errors).toBeUndefined();
    const renewed = byCode.data!.reauthenticate;
    expect(claimsOf(renewed.accessToken).sid).toBe(claimsOf(user.token.accessToken).sid);
    expect(claimsOf(renewed.accessToken).auth_time as number).toBeGreaterThan(claimsOf(user.token.accessToken).auth_time as number);
    // Same session: the renewed refresh token rotates.
    expect((await short.gql(REFRESH, { token: renewed.refreshToken })).errors).toBeUndefined();

    const byPassword = await short.gql<{ reauthenticate: TokenPayload }>(REAUTHENTICATE, { input: { password: PASSWORD } }, auth);
    expect(byPassword.errors).toBeUndefined();
    const disabled = await short.gql(DISABLE, {}, bearer(byPassword.data!.reauthenticate.accessToken));
    expect(disabled.errors).toBeUndefined();
    expect(disabled.data!.disableTotp).toBe(true);
  });
});

/** RFC 4648 base32 to bytes. */
function base32Decode(text: string): Buffer {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const char of text.replace(/=+$/, '')) bits += alphabet.indexOf(char).toString(2).padStart(5, '0');
  const bytes: number[] = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}
