import { ME, PASSWORD, bearer, createVerifiedUser, uniqueEmail, type TokenPayload, LOGIN, REFRESH } from '../support/flows';
import { describeWith } from '../support/requirements';
import { codeIn, errorCode, startTestServer, type GraphqlResponse, type TestServer } from '../support/server';
import { claimsOf, DISABLE, enrollTotp, MFA_STATUS, mfaTokenOf, query, REGENERATE, verifyMfa, VERIFY_MFA } from '../mfa/support';
import { DELETE_PASSKEY, FINISH_LOGIN, FINISH_REGISTRATION, MY_PASSKEYS, PasskeyBrowser, START_LOGIN, START_REGISTRATION, serveBlankPage } from './support';
import { freePort } from '../support/ports';

type Challenge = { challengeId: string; options: Record<string, any> };

describeWith(['chromium'], 'passkeys in Chromium with a virtual authenticator', () => {
  let server: TestServer;
  let browser: PasskeyBrowser;
  let origin: string;

  beforeAll(async () => {
    const port = await freePort();
    origin = `http://localhost:${port}`;
    server = await startTestServer({ PORT: String(port), WEBAUTHN_ORIGINS: origin, WEBAUTHN_RP_ID: 'localhost', APP_NAME: 'Girok Test' });
    browser = await PasskeyBrowser.launch();
    await browser.useAuthenticator();
    // The test server's own origin: a secure context (localhost) listed in WEBAUTHN_ORIGINS.
    await browser.open(`${origin}/healthz`);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  /** Adds a passkey to a signed-in account through the browser; returns the Passkey and the credential id. */
  async function addPasskey(accessToken: string, name: string | null = 'Laptop') {
    const started = await server.gql<{ startPasskeyRegistration: Record<string, any> }>(START_REGISTRATION, {}, bearer(accessToken));
    expect(started.errors).toBeUndefined();
    const options = started.data!.startPasskeyRegistration;
    const credential = await browser.create(options);
    const finished = await server.gql(FINISH_REGISTRATION, { response: credential, name }, bearer(accessToken));
    expect(finished.errors).toBeUndefined();
    return { passkey: finished.data!.finishPasskeyRegistration, credentialId: credential.id as string, options };
  }

  async function startLogin(variables: { email?: string; mfaToken?: string } = {}, headers: Record<string, string> = {}): Promise<Challenge> {
    const started = await server.gql<{ startPasskeyLogin: Challenge }>(START_LOGIN, variables, headers);
    if (!started.data) throw new Error(`startPasskeyLogin failed: ${JSON.stringify(started.errors)}`);
    return started.data.startPasskeyLogin;
  }

  function finishLogin(
    challengeId: string,
    response: unknown,
    headers: Record<string, string> = {},
  ): Promise<GraphqlResponse<{ finishPasskeyLogin: TokenPayload }>> {
    return server.gql<{ finishPasskeyLogin: TokenPayload }>(FINISH_LOGIN, { challengeId, response }, headers);
  }

  /** An assertion for a fresh challenge, named to one credential so the authenticator has no choice to make. */
  async function assertion(credentialId: string, variables: { email?: string; mfaToken?: string } = {}) {
    const challenge = await startLogin(variables);
    const response = await browser.get({ ...challenge.options, allowCredentials: [{ id: credentialId, type: 'public-key' }] });
    return { challenge, response };
  }

  async function eventTypes(accessToken: string): Promise<string[]> {
    const timeline = await server.gql(`query { me { securityEvents(first: 20) { edges { node { type } } } } }`, {}, bearer(accessToken));
    return timeline.data!.me.securityEvents.edges.map((edge: { node: { type: string } }) => edge.node.type);
  }

  const alice = { email: uniqueEmail('alice'), credentialId: '', passkeyId: '', token: null as unknown as TokenPayload };

  describe('registration', () => {
    it('adds a resident passkey (user verification preferred, attestation none), lists it, counts it, logs it and mails a notice', async () => {
      const user = await createVerifiedUser(server, alice.email);
      alice.token = user.token;
      const { passkey, credentialId, options } = await addPasskey(user.token.accessToken);
      expect(options).toMatchObject({
        rp: { id: 'localhost', name: 'Girok Test' },
        user: { name: alice.email },
        attestation: 'none',
        excludeCredentials: [],
        authenticatorSelection: { residentKey: 'required', requireResidentKey: true, userVerification: 'preferred' },
      });
      // The WebAuthn user handle is opaque: the account id's 16 bytes, not the address.
      expect(Buffer.from(options.user.id, 'base64url').toString('hex')).toBe(user.token.user.id.replace(/-/g, ''));
      expect(passkey).toMatchObject({ name: 'Laptop', lastUsedAt: null, backedUp: false });
      alice.credentialId = credentialId;
      alice.passkeyId = passkey.id;

      const mine = await server.gql(MY_PASSKEYS, {}, bearer(user.token.accessToken));
      expect(mine.data!.me.passkeys).toEqual([passkey]);
      expect(mine.data!.me.mfa).toEqual({ totp: false, passkeys: 1 });
      expect(await eventTypes(user.token.accessToken)).toContain('PASSKEY_ADDED');
      const notice = await server.smtp.waitFor((mail) => mail.to === alice.email && /passkey was added/i.test(mail.subject));
      expect(notice.text).toContain('Girok Test');
    });

    it('excludes the passkeys the account already has, so the same authenticator is not registered twice', async () => {
      const started = await server.gql(START_REGISTRATION, {}, bearer(alice.token.accessToken));
      expect(started.data!.startPasskeyRegistration.excludeCredentials).toEqual([expect.objectContaining({ id: alice.credentialId, type: 'public-key' })]);
      // The browser refuses to make a second credential on an excluded authenticator.
      await expect(browser.create(started.data!.startPasskeyRegistration)).rejects.toThrow();
    });

    it('needs a live session, and a pending registration to answer', async () => {
      expect(errorCode(await server.gql(START_REGISTRATION))).toBe('UNAUTHENTICATED');
      const other = await createVerifiedUser(server);
      const answer = await server.gql(
        FINISH_REGISTRATION,
        { response: { id: 'AAAA', rawId: 'AAAA', type: 'public-key', response: { clientDataJSON: 'e30', attestationObject: 'oA' } } },
        bearer(other.token.accessToken),
      );
      expect(answer.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'response', reason: 'NO_PENDING_REGISTRATION' });
      const malformed = await server.gql(FINISH_REGISTRATION, { response: { id: 1 } }, bearer(other.token.accessToken));
      expect(malformed.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'response' });
    });
  });

  describe('sign-in', () => {
    it('signs in without an email with the discoverable passkey: two factors (amr hwk mfa), logged as used', async () => {
      const challenge = await startLogin();
      expect(challenge.options.allowCredentials).toBeUndefined();
      expect(challenge.options).toMatchObject({ rpId: 'localhost', userVerification: 'preferred' });
      const response = await browser.get(challenge.options);
      expect(response.id).toBe(alice.credentialId);
      const signedIn = await finishLogin(challenge.challengeId, response);
      expect(signedIn.errors).toBeUndefined();
      const token = signedIn.data!.finishPasskeyLogin;
      expect(token.user.email).toBe(alice.email);
      expect(claimsOf(token.accessToken)).toMatchObject({ amr: ['hwk', 'mfa'] });
      const me = await server.gql(ME, {}, bearer(token.accessToken));
      expect(me.data!.me.email).toBe(alice.email);
      const mine = await server.gql(MY_PASSKEYS, {}, bearer(token.accessToken));
      expect(mine.data!.me.passkeys[0].lastUsedAt).not.toBeNull();
      expect(await eventTypes(token.accessToken)).toEqual(expect.arrayContaining(['PASSKEY_USED', 'LOGIN_SUCCEEDED']));
    });

    it('with an email offers that account’s passkeys; an unknown address answers like an account without any', async () => {
      const known = await startLogin({ email: alice.email });
      expect(known.options.allowCredentials).toEqual([expect.objectContaining({ id: alice.credentialId, type: 'public-key' })]);
      const response = await browser.get(known.options);
      const signedIn = await finishLogin(known.challengeId, response);
      expect(signedIn.data?.finishPasskeyLogin.user.email).toBe(alice.email);

      const withoutPasskeys = await startLogin({ email: (await createVerifiedUser(server)).email });
      const unknown = await startLogin({ email: uniqueEmail('nobody') });
      for (const answer of [withoutPasskeys, unknown]) {
        expect(answer.options.allowCredentials).toEqual([]);
        expect(Object.keys(answer.options).sort()).toEqual(Object.keys(known.options).sort());
        expect(answer.challengeId).toMatch(/^[0-9a-f-]{36}$/);
      }
    });

    it('is the second factor after a password: MFA_REQUIRED lists PASSKEY, and the passkey with the mfaToken completes it, once', async () => {
      const password = await server.gql(LOGIN, { input: { email: alice.email, password: PASSWORD } });
      expect(password.errors?.[0]?.extensions).toMatchObject({ code: 'MFA_REQUIRED', methods: ['PASSKEY'] });
      const mfaToken = mfaTokenOf(password);
      const challenge = await startLogin({ mfaToken });
      expect(challenge.options.allowCredentials).toEqual([expect.objectContaining({ id: alice.credentialId })]);
      const completed = await finishLogin(challenge.challengeId, await browser.get(challenge.options));
      expect(completed.errors).toBeUndefined();
      expect(claimsOf(completed.data!.finishPasskeyLogin.accessToken)).toMatchObject({ amr: ['pwd', 'hwk', 'mfa'] });
      // The ticket is spent: neither a code nor another passkey challenge can use it again.
      expect(errorCode(await server.gql(VERIFY_MFA, { input: { mfaToken, code: '123456' } }))).toBe('UNAUTHENTICATED');
      expect(errorCode(await server.gql(START_LOGIN, { mfaToken }))).toBe('UNAUTHENTICATED');
    });
    it('is asked for by the other sign-in paths too: a mailed-code sign-in answers MFA_REQUIRED with PASSKEY, and the passkey completes it', async () => {
      const earlier = new Set(server.smtp.messages);
      expect((await server.gql(`mutation ($email: String!) { requestLoginCode(email: $email) }`, { email: alice.email })).errors).toBeUndefined();
      const code = codeIn(await server.smtp.waitFor((mail) => mail.to === alice.email && !earlier.has(mail) && /\b\d{6}\b/.test(mail.text)));
      const answer = await server.gql(`mutation ($input: VerifyEmailInput!) { loginWithCode(input: $input) { accessToken } }`, {
        input: { email: alice.email, code },
      });
      expect(answer.errors?.[0]?.extensions).toMatchObject({ code: 'MFA_REQUIRED', methods: ['PASSKEY'] });
      const challenge = await startLogin({ mfaToken: mfaTokenOf(answer) });
      const completed = await finishLogin(challenge.challengeId, await browser.get(challenge.options));
      expect(claimsOf(completed.data!.finishPasskeyLogin.accessToken)).toMatchObject({ amr: ['email', 'hwk', 'mfa'] });
    });
  });

  describe('refusals', () => {
    it('refuses a replayed assertion', async () => {
      const { challenge, response } = await assertion(alice.credentialId);
      expect((await finishLogin(challenge.challengeId, response)).errors).toBeUndefined();
      const replay = await finishLogin(challenge.challengeId, response);
      expect(replay.errors?.[0]?.extensions).toMatchObject({ code: 'INVALID_CREDENTIALS', reason: 'CHALLENGE_UNKNOWN' });
      expect(replay.data).toBeNull();
    });

    it('refuses an assertion made for another challenge', async () => {
      const { response } = await assertion(alice.credentialId);
      const other = await startLogin();
      const refused = await finishLogin(other.challengeId, response);
      expect(errorCode(refused)).toBe('INVALID_CREDENTIALS');
      expect(refused.errors![0].extensions!.reason).toBeUndefined();
    });

    it('refuses an assertion made on an origin not in WEBAUTHN_ORIGINS', async () => {
      const elsewhere = await serveBlankPage(await freePort());
      try {
        const challenge = await startLogin();
        await browser.open(elsewhere.url);
        const response = await browser.get({ ...challenge.options, allowCredentials: [{ id: alice.credentialId, type: 'public-key' }] });
        expect(JSON.parse(Buffer.from(response.response.clientDataJSON, 'base64url').toString()).origin).toBe(elsewhere.url.replace(/\/$/, ''));
        expect(errorCode(await finishLogin(challenge.challengeId, response))).toBe('INVALID_CREDENTIALS');
      } finally {
        await browser.open(`${origin}/healthz`);
        await elsewhere.close();
      }
    });

    it('refuses an expired challenge', async () => {
      const { challenge, response } = await assertion(alice.credentialId);
      await query(server, `update webauthn_challenges set expires_at = now() - interval '1 second' where id = ?`, [challenge.challengeId]);
      const refused = await finishLogin(challenge.challengeId, response);
      expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'INVALID_CREDENTIALS', reason: 'CHALLENGE_EXPIRED' });
    });

    // Each refusal spends the passkey holder's wrong-password budget (5): the next ones use
    // other holders, each on a new authenticator (a virtual one keeps 3 resident passkeys).
    it('refuses the passkey of another account, for a sign-in by email and as the second factor', async () => {
      await browser.useAuthenticator();
      const dave = await createVerifiedUser(server);
      const { credentialId } = await addPasskey(dave.token.accessToken);
      const bob = await createVerifiedUser(server);
      await enrollTotp(server, bob.token.accessToken);
      const byEmail = await assertion(credentialId, { email: bob.email });
      expect(errorCode(await finishLogin(byEmail.challenge.challengeId, byEmail.response))).toBe('INVALID_CREDENTIALS');
      const mfaToken = mfaTokenOf(await server.gql(LOGIN, { input: { email: bob.email, password: PASSWORD } }));
      const second = await assertion(credentialId, { mfaToken });
      expect(errorCode(await finishLogin(second.challenge.challengeId, second.response))).toBe('INVALID_CREDENTIALS');
    });

    it('refuses a sign count that went backwards (a cloned authenticator)', async () => {
      await browser.useAuthenticator();
      const erin = await createVerifiedUser(server);
      const { credentialId } = await addPasskey(erin.token.accessToken);
      await query(server, 'update passkeys set counter = 1000000 where credential_id = ?', [credentialId]);
      const { challenge, response } = await assertion(credentialId);
      expect(errorCode(await finishLogin(challenge.challengeId, response))).toBe('INVALID_CREDENTIALS');
    });

    it('spends the account’s wrong-password budget: after 5 failed passkey sign-ins the password is locked out too', async () => {
      await browser.useAuthenticator();
      const carol = await createVerifiedUser(server);
      const { credentialId } = await addPasskey(carol.token.accessToken);
      const { challenge, response } = await assertion(credentialId);
      expect((await finishLogin(challenge.challengeId, response)).errors).toBeUndefined();
      for (let i = 0; i < 5; i++) expect(errorCode(await finishLogin(challenge.challengeId, response))).toBe('INVALID_CREDENTIALS');
      expect(errorCode(await finishLogin(challenge.challengeId, response))).toBe('RATE_LIMITED');
      expect(errorCode(await server.gql(LOGIN, { input: { email: carol.email, password: PASSWORD } }))).toBe('RATE_LIMITED');
    });
  });

  describe('disabled accounts', () => {
    it('answers ACCOUNT_DISABLED for a disabled account', async () => {
      await browser.useAuthenticator();
      const user = await createVerifiedUser(server);
      const { credentialId } = await addPasskey(user.token.accessToken, null);
      await server.app.admin.disable(server.app.orm.em.fork(), null, user.token.user.id, 'test');
      const { challenge, response } = await assertion(credentialId);
      expect(errorCode(await finishLogin(challenge.challengeId, response))).toBe('ACCOUNT_DISABLED');
    });
  });

  describe('sudo mode', () => {
    it('deletes a passkey only within REAUTH_WINDOW; finishPasskeyLogin with the same account’s bearer token re-authenticates the session', async () => {
      await browser.useAuthenticator();
      const user = await createVerifiedUser(server);
      const { passkey, credentialId } = await addPasskey(user.token.accessToken, 'Phone');
      const sid = claimsOf(user.token.accessToken).sid;
      // The session signed in an hour ago: a refresh carries that auth_time.
      await query(server, `update sessions set auth_time = now() - interval '1 hour' where id = ?`, [sid]);
      const stale = (await server.gql<{ refreshToken: TokenPayload }>(REFRESH, { token: user.token.refreshToken })).data!.refreshToken;
      expect(errorCode(await server.gql(DELETE_PASSKEY, { id: passkey.id }, bearer(stale.accessToken)))).toBe('REAUTHENTICATION_REQUIRED');

      const { challenge, response } = await assertion(credentialId);
      const renewed = await finishLogin(challenge.challengeId, response, bearer(stale.accessToken));
      expect(renewed.errors).toBeUndefined();
      const token = renewed.data!.finishPasskeyLogin;
      expect(claimsOf(token.accessToken).sid).toBe(sid);
      expect(claimsOf(token.accessToken).auth_time as number).toBeGreaterThan(claimsOf(stale.accessToken).auth_time as number);
      expect(await eventTypes(token.accessToken)).toContain('REAUTHENTICATED');

      expect(errorCode(await server.gql(DELETE_PASSKEY, { id: alice.passkeyId }, bearer(token.accessToken)))).toBeUndefined();
      expect((await server.gql(DELETE_PASSKEY, { id: alice.passkeyId }, bearer(token.accessToken))).data!.deletePasskey).toBe(false);
      const deleted = await server.gql(DELETE_PASSKEY, { id: passkey.id }, bearer(token.accessToken));
      expect(deleted.data!.deletePasskey).toBe(true);
      const mine = await server.gql(MY_PASSKEYS, {}, bearer(token.accessToken));
      expect(mine.data!.me).toMatchObject({ passkeys: [], mfa: { passkeys: 0 } });
      expect(await eventTypes(token.accessToken)).toContain('PASSKEY_REMOVED');
      // The deleted passkey signs in no more; the password alone does again.
      const after = await assertion(credentialId);
      expect(errorCode(await finishLogin(after.challenge.challengeId, after.response))).toBe('INVALID_CREDENTIALS');
      expect((await server.gql(LOGIN, { input: { email: user.email, password: PASSWORD } })).errors).toBeUndefined();
    });
  });

  describe('recovery codes beside a passkey', () => {
    it('are the way back for someone who lost their only passkey, and go with the last passkey', async () => {
      await browser.useAuthenticator();
      const user = await createVerifiedUser(server);
      const { passkey } = await addPasskey(user.token.accessToken, 'Only key');
      // No TOTP: the passkey alone makes recovery codes available (the session just signed in: sudo holds).
      const regenerated = await server.gql<{ regenerateRecoveryCodes: string[] }>(REGENERATE, {}, bearer(user.token.accessToken));
      expect(regenerated.errors).toBeUndefined();
      const codes = regenerated.data!.regenerateRecoveryCodes;
      expect(codes).toHaveLength(10);

      // The passkey is lost: the password sign-in offers a recovery code, which completes it.
      const password = await server.gql(LOGIN, { input: { email: user.email, password: PASSWORD } });
      expect(password.errors?.[0]?.extensions).toMatchObject({ code: 'MFA_REQUIRED', methods: ['PASSKEY', 'RECOVERY_CODE'] });
      expect(password.errors?.[0]?.message).toBe('Use your passkey (or a recovery code) to finish signing in');
      const recovered = await verifyMfa(server, mfaTokenOf(password), codes[0]);
      expect(recovered.errors).toBeUndefined();
      const token = recovered.data!.verifyMfa;
      expect(claimsOf(token.accessToken)).toMatchObject({ amr: ['pwd', 'otp', 'mfa'] });
      expect((await server.gql(MFA_STATUS, {}, bearer(token.accessToken))).data!.me.mfa).toEqual({ totp: false, passkeys: 1, recoveryCodesLeft: 9 });

      // Removing the last passkey removes the last second factor, and its recovery codes with it.
      expect((await server.gql(DELETE_PASSKEY, { id: passkey.id }, bearer(token.accessToken))).data!.deletePasskey).toBe(true);
      expect((await server.gql(MFA_STATUS, {}, bearer(token.accessToken))).data!.me.mfa).toEqual({ totp: false, passkeys: 0, recoveryCodesLeft: 0 });
      expect(errorCode(await server.gql(REGENERATE, {}, bearer(token.accessToken)))).toBe('FORBIDDEN');
      expect((await server.gql(LOGIN, { input: { email: user.email, password: PASSWORD } })).errors).toBeUndefined();
    });

    it('outlive turning TOTP off while a passkey remains', async () => {
      await browser.useAuthenticator();
      const user = await createVerifiedUser(server);
      const { recoveryCodes } = await enrollTotp(server, user.token.accessToken);
      await addPasskey(user.token.accessToken, 'Key');
      expect((await server.gql(DISABLE, {}, bearer(user.token.accessToken))).data!.disableTotp).toBe(true);
      const password = await server.gql(LOGIN, { input: { email: user.email, password: PASSWORD } });
      expect(password.errors?.[0]?.extensions).toMatchObject({ code: 'MFA_REQUIRED', methods: ['PASSKEY', 'RECOVERY_CODE'] });
      expect((await verifyMfa(server, mfaTokenOf(password), recoveryCodes[1])).errors).toBeUndefined();
    });
  });

  describe('the last way to sign in', () => {
    it('unlinkIdentity counts a passkey, and deletePasskey keeps the last way into an account without a password', async () => {
      await browser.useAuthenticator();
      const user = await createVerifiedUser(server);
      const { passkey } = await addPasskey(user.token.accessToken, 'Only key');
      // As an account a sign-in provider made: no password, one identity.
      await query(server, 'update users set password_hash = null where id = ?', [user.token.user.id]);
      await query(server, `insert into federated_identities (id, user_id, provider, subject, email) values (gen_random_uuid(), ?, 'example', 'subject-1', ?)`, [
        user.token.user.id,
        user.email,
      ]);
      const unlink = await server.gql(`mutation { unlinkIdentity(provider: "example") }`, {}, bearer(user.token.accessToken));
      expect(unlink.errors).toBeUndefined();
      expect(unlink.data!.unlinkIdentity).toBe(true);

      expect(errorCode(await server.gql(DELETE_PASSKEY, { id: passkey.id }, bearer(user.token.accessToken)))).toBe('LAST_SIGN_IN_METHOD');
      const mine = await server.gql(MY_PASSKEYS, {}, bearer(user.token.accessToken));
      expect(mine.data!.me.passkeys).toEqual([expect.objectContaining({ id: passkey.id })]);
      expect(await eventTypes(user.token.accessToken)).not.toContain('PASSKEY_REMOVED');
    });
  });

  describe('without user verification', () => {
    it('is one factor: an account with TOTP then answers MFA_REQUIRED (TOTP, RECOVERY_CODE), and a code completes it', async () => {
      await browser.useAuthenticator({ hasUserVerification: false, isUserVerified: false });
      const user = await createVerifiedUser(server);
      const { app } = await enrollTotp(server, user.token.accessToken);
      const { credentialId } = await addPasskey(user.token.accessToken, 'Security key');
      const { challenge, response } = await assertion(credentialId);
      const answer = await finishLogin(challenge.challengeId, response);
      expect(answer.errors?.[0]?.extensions).toMatchObject({ code: 'MFA_REQUIRED', methods: ['TOTP', 'RECOVERY_CODE'] });
      const completed = await verifyMfa(server, mfaTokenOf(answer), await app.nextCode());
      expect(completed.errors).toBeUndefined();
      expect(claimsOf(completed.data!.verifyMfa.accessToken)).toMatchObject({ amr: ['hwk', 'otp', 'mfa'] });
    });
  });
});
