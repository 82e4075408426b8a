import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { get as httpsGet } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../support/chromium';
import { freePort } from '../support/ports';
import { query, startInstances, stopInstances, type Instance } from '../cluster/instances';
import { createSharedDatabase } from '../support/database';
import { bearer, createVerifiedUser, LOGIN, PASSWORD, REGISTER, uniqueEmail, type TokenPayload } from '../support/flows';
import { describeWith } from '../support/requirements';
import { errorCode, type GraphqlResponse, type TestServer } from '../support/server';
import { startSmtpCapture, type SmtpCapture } from '../support/smtp';
import { claimsOf, enrollTotp, mfaTokenOf, verifyMfa } from '../mfa/support';
import { startRogueProvider, type IdTokenFlaw, type RogueProvider } from './rogue-provider';
import { freshPage, makeTestPki, startProvider, startReturnApp, visitProvider, type TestPki } from './support';

// Sign-in through a real OpenID Provider (panva's oidc-provider) over https on loopback, with
// its login and consent pages driven in Chromium.
//
// The provider's certificate is signed by a CA this test makes. Our server is started as its
// own process with NODE_EXTRA_CA_CERTS naming that CA, which is how an operator makes Node
// trust a private CA; Node reads that variable only when a process starts, so the server cannot
// be the test's own process. It runs src/main.ts straight from the tree (as the multi-process
// tests do), on a database the test also reads, to check that refused flows wrote nothing.

const CLIENT = { client_id: 'girok-test', client_secret: 'girok-test-client-secret-0123456789' };
const ROGUE_CLIENT = { id: 'girok-rogue-test', secret: 'girok-rogue-test-client-secret-0123' };
const TOKEN_FIELDS = 'accessToken refreshToken user { id email emailVerified hasPassword }';
const START = `mutation Start($provider: String!, $redirectUrl: String!, $link: Boolean) {
  startOAuth(provider: $provider, redirectUrl: $redirectUrl, link: $link) { authorizationUrl }
}`;
const COMPLETE = `mutation Complete($ticket: String!) { completeOAuth(ticket: $ticket) { ${TOKEN_FIELDS} } }`;
const UNLINK = `mutation Unlink($provider: String!) { unlinkIdentity(provider: $provider) }`;
const ME = `query { me { id email emailVerified hasPassword identities { provider subject email } securityEvents(first: 20) { edges { node { type } } } } }`;

type Identity = { provider: string; subject: string; email: string };
type Completed = { completeOAuth: TokenPayload & { user: { hasPassword: boolean } } };

describeWith(['chromium'], 'sign-in with an OpenID Connect provider', () => {
  let pki: TestPki;
  let provider: { issuer: string; stop(): Promise<void> };
  let rogue: RogueProvider;
  let database: { url: string; drop(): Promise<void> };
  let smtp: SmtpCapture;
  let app: { origin: string; close(): Promise<void> };
  let server: Instance;
  let dataDir: string;
  let browser: Browser;
  let redirectUrl: string;

  beforeAll(async () => {
    pki = makeTestPki();
    const port = await freePort();
    const publicUrl = `http://127.0.0.1:${port}`;
    provider = await startProvider(pki, [{ ...CLIENT, redirect_uris: [`${publicUrl}/oauth/callback/acme`] }]);
    rogue = await startRogueProvider(pki, ROGUE_CLIENT);
    [database, smtp, app] = await Promise.all([createSharedDatabase(), startSmtpCapture(), startReturnApp()]);
    redirectUrl = `${app.origin}/signed-in`;
    dataDir = mkdtempSync(join(tmpdir(), 'girok-federation-'));
    [server] = await startInstances(
      ['federation'],
      {
        NODE_ENV: 'test',
        HOST: '127.0.0.1',
        PORT: String(port),
        LOG_LEVEL: 'warn',
        DATA_DIR: dataDir,
        DATABASE_URL: database.url,
        DATABASE_POOL_SIZE: '3',
        SMTP_URL: smtp.url,
        ARGON2_MEMORY_KIB: '1024',
        ARGON2_ITERATIONS: '1',
        RATE_LIMIT_IP_PER_MINUTE: '10000',
        PUBLIC_URL: publicUrl,
        OAUTH_REDIRECT_URLS: `${redirectUrl},${app.origin}/other`,
        OIDC_ACME_ISSUER: provider.issuer,
        OIDC_ACME_NAME: 'Acme ID',
        OIDC_ACME_CLIENT_ID: CLIENT.client_id,
        OIDC_ACME_CLIENT_SECRET: CLIENT.client_secret,
        OIDC_ROGUE_ISSUER: rogue.issuer,
        OIDC_ROGUE_CLIENT_ID: ROGUE_CLIENT.id,
        OIDC_ROGUE_CLIENT_SECRET: ROGUE_CLIENT.secret,
        // A provider nobody answers for: port 1 on loopback refuses connections.
        OIDC_DOWN_ISSUER: 'https://127.0.0.1:1',
        OIDC_DOWN_CLIENT_ID: 'x',
        OIDC_DOWN_CLIENT_SECRET: 'y',
        NODE_EXTRA_CA_CERTS: pki.caFile,
      },
      '127.0.0.1',
    );
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    if (server) await stopInstances([server]);
    await provider?.stop();
    await rogue?.close();
    await app?.close();
    await smtp?.close();
    await database?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    if (pki) rmSync(pki.dir, { recursive: true, force: true });
  });

  /** The shape test/support/flows helpers need, over the server process. */
  const asTestServer = (): TestServer => ({ gql: (...args: Parameters<Instance['gql']>) => server.gql(...args), smtp }) as unknown as TestServer;

  async function start(
    variables: Record<string, unknown>,
    headers: Record<string, string> = {},
  ): Promise<GraphqlResponse<{ startOAuth: { authorizationUrl: string } }>> {
    return server.gql(START, { provider: 'acme', redirectUrl, ...variables }, headers);
  }

  /** Runs a whole flow in a fresh browser; the app URL it ends on. */
  async function flow(login: string | null, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<URL> {
    const started = await start(variables, headers);
    if (!started.data) throw new Error(`startOAuth failed: ${JSON.stringify(started.errors)}`);
    const page = await freshPage(browser);
    try {
      return (await visitProvider(page, started.data.startOAuth.authorizationUrl, app.origin, { login })).landed;
    } finally {
      await page.context().close();
    }
  }

  async function complete(ticket: string | null): Promise<GraphqlResponse<Completed>> {
    return server.gql<Completed>(COMPLETE, { ticket });
  }

  /** Signs in through the provider and completes: the Token, or throws. */
  async function signInWithProvider(login: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
    const landed = await flow(login, variables, headers);
    const ticket = landed.searchParams.get('ticket');
    if (!ticket) throw new Error(`no ticket: ${landed.toString()}`);
    const done = await complete(ticket);
    if (!done.data) throw new Error(`completeOAuth failed: ${JSON.stringify(done.errors)}`);
    const token = done.data.completeOAuth;
    // The identities are the holder's to read: asked with the new token.
    const me = await server.gql<{ me: { identities: Identity[] } }>(ME, {}, bearer(token.accessToken));
    return { token: { ...token, user: { ...token.user, identities: me.data!.me.identities } }, ticket, landed };
  }

  const rows = (sql: string, params: unknown[]) => query(database.url, sql, params);

  it('lists the configured providers for the login buttons', async () => {
    const response = await server.gql<{ authProviders: { id: string; name: string }[] }>(`{ authProviders { id name } }`);
    expect(response.data!.authProviders).toEqual([
      { id: 'acme', name: 'Acme ID' },
      { id: 'down', name: 'DOWN' },
      { id: 'rogue', name: 'ROGUE' },
    ]);
  });

  describe('signing up and in', () => {
    const email = uniqueEmail('fed');
    const login = `verified:${email}`;
    let first: Awaited<ReturnType<typeof signInWithProvider>>;

    it('creates a verified account without password for a new subject with a verified address', async () => {
      first = await signInWithProvider(login, { redirectUrl: `${redirectUrl}?from=login` });
      // The app's own query is kept; the ticket comes next to it, and no token is in the URL.
      expect(first.landed.searchParams.get('from')).toBe('login');
      expect([...first.landed.searchParams.keys()].sort()).toEqual(['from', 'ticket']);
      const { user } = first.token;
      expect(user).toMatchObject({ email, emailVerified: true, hasPassword: false });
      expect(user.identities).toEqual([expect.objectContaining({ provider: 'acme', subject: login, email })]);
      expect(claimsOf(first.token.accessToken).amr).toEqual(['fed']);
    });

    it('signs the same subject in to the same account the second time', async () => {
      const again = await signInWithProvider(login);
      expect(again.token.user.id).toBe(first.token.user.id);
      expect(again.token.user.identities).toHaveLength(1);
    });

    it('spends a ticket once', async () => {
      const replay = await complete(first.ticket);
      expect(errorCode(replay)).toBe('UNAUTHENTICATED');
      expect(errorCode(await complete('not a ticket'))).toBe('BAD_USER_INPUT');
    });

    it('answers INVALID_CREDENTIALS to a password login on the account, as to any wrong password', async () => {
      const response = await server.gql(LOGIN, { input: { email, password: PASSWORD } });
      expect(errorCode(response)).toBe('INVALID_CREDENTIALS');
    });

    it('refuses to unlink the last way to sign in (LAST_SIGN_IN_METHOD)', async () => {
      const response = await server.gql(UNLINK, { provider: 'acme' }, bearer(first.token.accessToken));
      expect(errorCode(response)).toBe('LAST_SIGN_IN_METHOD');
      const me = await server.gql<{ me: { identities: unknown[] } }>(ME, {}, bearer(first.token.accessToken));
      expect(me.data!.me.identities).toHaveLength(1);
    });

    it('asks an account with TOTP for its second factor (MFA_REQUIRED) when it signs in through the provider', async () => {
      const { app: authenticator } = await enrollTotp(asTestServer(), first.token.accessToken);
      const landed = await flow(login);
      const response = await complete(landed.searchParams.get('ticket'));
      expect(errorCode(response)).toBe('MFA_REQUIRED');
      expect(response.data).toBeNull();
      const verified = await verifyMfa(asTestServer(), mfaTokenOf(response), await authenticator.nextCode());
      expect(verified.data!.verifyMfa.user.id).toBe(first.token.user.id);
      expect(claimsOf(verified.data!.verifyMfa.accessToken).amr).toEqual(expect.arrayContaining(['fed', 'otp', 'mfa']));
    });
  });

  describe('an address an account already has', () => {
    it('links the provider when the provider asserts the address verified, and tells the holder', async () => {
      const holder = await createVerifiedUser(asTestServer(), uniqueEmail('holder'));
      const signedIn = await signInWithProvider(`verified:${holder.email}`);
      expect(signedIn.token.user.id).toBe(holder.token.user.id);
      expect(signedIn.token.user.hasPassword).toBe(true);
      expect(signedIn.token.user.identities.map((i) => i.provider)).toEqual(['acme']);
      await smtp.waitFor((mail) => mail.to === holder.email && /sign-in provider was linked/i.test(mail.subject));
      const me = await server.gql<{ me: { securityEvents: { edges: { node: { type: string } }[] } } }>(ME, {}, bearer(signedIn.token.accessToken));
      expect(me.data!.me.securityEvents.edges.map((e) => e.node.type)).toContain('IDENTITY_LINKED');
    });

    it('refuses with ACCOUNT_EXISTS when the provider does not assert it verified, and writes nothing', async () => {
      const holder = await createVerifiedUser(asTestServer(), uniqueEmail('holder'));
      const subject = `unverified:${holder.email}`;
      const landed = await flow(subject);
      expect(landed.searchParams.get('error')).toBe('ACCOUNT_EXISTS');
      expect(landed.searchParams.get('ticket')).toBeNull();
      expect(await rows('select 1 from federated_identities where subject = $1', [subject])).toEqual([]);
      expect(await rows('select count(*)::int as n from sessions s join users u on u.id = s.user_id where u.email = $1', [holder.email])).toEqual([{ n: 1 }]);
    });

    it('discards a pending registration of the address: its password never signs in (pre-account hijacking)', async () => {
      const email = uniqueEmail('victim');
      // The attacker registers the victim's address first and never verifies it.
      const registered = await server.gql(REGISTER, { input: { email, password: 'attacker chose this password' } });
      expect(registered.errors).toBeUndefined();
      const [pending] = await rows('select id from users where email = $1', [email]);
      const victim = await signInWithProvider(`verified:${email}`);
      expect(victim.token.user.id).not.toBe(pending.id);
      expect(victim.token.user.hasPassword).toBe(false);
      const attacker = await server.gql(LOGIN, { input: { email, password: 'attacker chose this password' } });
      expect(errorCode(attacker)).toBe('INVALID_CREDENTIALS');
      expect(await rows('select 1 from users where id = $1', [pending.id])).toEqual([]);
    });

    it('creates an unverified account when the provider does not verify a new address', async () => {
      const email = uniqueEmail('unverified');
      const signedIn = await signInWithProvider(`unverified:${email}`);
      expect(signedIn.token.user).toMatchObject({ email, emailVerified: false, hasPassword: false });
    });
  });

  describe('linking and unlinking', () => {
    it('links the provider to the signed-in account with link: true (sudo), whatever address the provider gives', async () => {
      const owner = await createVerifiedUser(asTestServer(), uniqueEmail('owner'));
      const other = uniqueEmail('elsewhere');
      const linked = await signInWithProvider(`unverified:${other}`, { link: true }, bearer(owner.token.accessToken));
      expect(linked.token.user.id).toBe(owner.token.user.id);
      expect(linked.token.user.identities).toEqual([expect.objectContaining({ provider: 'acme', email: other })]);
      await smtp.waitFor((mail) => mail.to === owner.email && /sign-in provider was linked/i.test(mail.subject));

      const unlinked = await server.gql(UNLINK, { provider: 'acme' }, bearer(owner.token.accessToken));
      expect(unlinked.data).toEqual({ unlinkIdentity: true });
      await smtp.waitFor((mail) => mail.to === owner.email && /unlinked/i.test(mail.subject));
      const me = await server.gql<{ me: { identities: unknown[]; securityEvents: { edges: { node: { type: string } }[] } } }>(
        ME,
        {},
        bearer(owner.token.accessToken),
      );
      expect(me.data!.me.identities).toEqual([]);
      expect(me.data!.me.securityEvents.edges.map((e) => e.node.type)).toEqual(expect.arrayContaining(['IDENTITY_LINKED', 'IDENTITY_UNLINKED']));
      // That subject is free again: on its own it would now make a new account.
      expect(errorCode(await server.gql(UNLINK, { provider: 'acme' }, bearer(owner.token.accessToken)))).toBe('BAD_USER_INPUT');
    });

    it('needs a bearer token to link', async () => {
      expect(errorCode(await start({ link: true }))).toBe('UNAUTHENTICATED');
    });

    it('refuses to link an identity that already signs in to another account', async () => {
      const email = uniqueEmail('taken');
      await signInWithProvider(`verified:${email}`);
      const someoneElse = await createVerifiedUser(asTestServer(), uniqueEmail('else'));
      const landed = await flow(`verified:${email}`, { link: true }, bearer(someoneElse.token.accessToken));
      expect(landed.searchParams.get('error')).toBe('IDENTITY_TAKEN');
    });
  });

  describe('bad input', () => {
    it('refuses an unknown provider', async () => {
      const response = await server.gql(START, { provider: 'nope', redirectUrl });
      expect(errorCode(response)).toBe('BAD_USER_INPUT');
      expect(response.errors![0].extensions!.field).toBe('provider');
      const callback = await fetch(`${server.url.replace(/\/graphql$/, '')}/oauth/callback/nope?code=x&state=y`, { redirect: 'manual' });
      expect(callback.status).toBe(404);
      expect(await callback.json()).toEqual({ error: 'UNKNOWN_PROVIDER' });
    });

    it.each([
      ['another origin', 'https://evil.example/signed-in'],
      ['another path of the app', 'PLACEHOLDER/elsewhere'],
      ['a longer path', 'PLACEHOLDER/signed-in/more'],
      ['credentials in the URL', 'PLACEHOLDER_CREDENTIALS'],
      ['not a URL', 'signed-in'],
    ])('refuses a redirect URL not listed in OAUTH_REDIRECT_URLS: %s', async (_label, raw) => {
      const url = raw.replace('PLACEHOLDER_CREDENTIALS', app.origin.replace('http://', 'http://user:pw@') + '/signed-in').replace('PLACEHOLDER', app.origin);
      const response = await server.gql(START, { provider: 'acme', redirectUrl: url });
      expect(errorCode(response)).toBe('BAD_USER_INPUT');
      expect(response.errors![0].extensions!.field).toBe('redirectUrl');
    });

    it('answers PROVIDER_UNAVAILABLE when the provider cannot be reached', async () => {
      const response = await server.gql(START, { provider: 'down', redirectUrl });
      expect(errorCode(response)).toBe('PROVIDER_UNAVAILABLE');
    });

    it('refuses a forged state without redirecting anywhere', async () => {
      const forged = randomBytes(32).toString('base64url');
      const response = await fetch(`${server.url.replace(/\/graphql$/, '')}/oauth/callback/acme?code=abc&state=${forged}`, { redirect: 'manual' });
      expect(response.status).toBe(400);
      expect(response.headers.get('location')).toBeNull();
      expect(await response.json()).toEqual({ error: 'INVALID_STATE' });
    });

    it('refuses a replayed callback (the state works once)', async () => {
      const email = uniqueEmail('replay');
      const started = await start({});
      const page = await freshPage(browser);
      try {
        const { landed, callback } = await visitProvider(page, started.data!.startOAuth.authorizationUrl, app.origin, { login: `verified:${email}` });
        expect(landed.searchParams.get('ticket')).toBeTruthy();
        const replay = await fetch(callback, { redirect: 'manual' });
        expect(replay.status).toBe(400);
        expect(await replay.json()).toEqual({ error: 'INVALID_STATE' });
      } finally {
        await page.context().close();
      }
    });

    it('returns error=ACCESS_DENIED when the person cancels at the provider', async () => {
      const started = await start({});
      const page = await freshPage(browser);
      try {
        const { landed } = await visitProvider(page, started.data!.startOAuth.authorizationUrl, app.origin, { login: null, cancel: true });
        expect(landed.pathname).toBe('/signed-in');
        expect(landed.searchParams.get('error')).toBe('ACCESS_DENIED');
      } finally {
        await page.context().close();
      }
    });

    /** Our start route as the test process visits it: the provider URL it sends to, and the flow's cookie. */
    async function startLeg(authorizationUrl: string): Promise<{ providerUrl: URL; cookie: { name: string; value: string } }> {
      const response = await fetch(authorizationUrl, { redirect: 'manual' });
      const [pair] = response.headers.get('set-cookie')!.split(';');
      const at = pair.indexOf('=');
      return { providerUrl: new URL(response.headers.get('location')!), cookie: { name: pair.slice(0, at), value: pair.slice(at + 1) } };
    }

    it('refuses an ID token whose nonce is not the flow’s (error=INVALID_RESPONSE), and writes nothing', async () => {
      const email = uniqueEmail('nonce');
      const subject = `verified:${email}`;
      // Two flows; the first one's request goes to the provider with the second one's nonce.
      const a = await startLeg((await start({})).data!.startOAuth.authorizationUrl);
      const b = await startLeg((await start({})).data!.startOAuth.authorizationUrl);
      a.providerUrl.searchParams.set('nonce', b.providerUrl.searchParams.get('nonce')!);
      const page = await freshPage(browser);
      // The browser holds flow A's cookie, as if it had passed our start route itself.
      await page.context().addCookies([{ ...a.cookie, domain: '127.0.0.1', path: '/oauth/', httpOnly: true, sameSite: 'Lax' }]);
      try {
        const { landed } = await visitProvider(page, a.providerUrl.toString(), app.origin, { login: subject });
        expect(landed.searchParams.get('error')).toBe('INVALID_RESPONSE');
        expect(landed.searchParams.get('ticket')).toBeNull();
      } finally {
        await page.context().close();
      }
      expect(await rows('select 1 from users where email = $1', [email])).toEqual([]);
      expect(await rows('select 1 from federated_identities where subject = $1', [subject])).toEqual([]);
    });

    it('refuses a callback link made by someone else’s flow (login CSRF: error=BROWSER_MISMATCH), and writes nothing', async () => {
      /** The attacker's leg, by hand: our start route, then the provider (which answers at once), keeping the callback link. */
      const attackerLink = async () => {
        const attacker = await startLeg(
          (await server.gql<{ startOAuth: { authorizationUrl: string } }>(START, { provider: 'rogue', redirectUrl })).data!.startOAuth.authorizationUrl,
        );
        const link = await new Promise<string>((resolve, reject) =>
          httpsGet(attacker.providerUrl, { ca: readFileSync(pki.caFile) }, (response) => {
            response.resume();
            resolve(response.headers.location!);
          }).on('error', reject),
        );
        return { link, cookie: attacker.cookie };
      };
      rogue.flaw = null;
      const before = await rows(`select count(*)::int as n from federated_identities where provider = 'rogue'`, []);
      const { link } = await attackerLink();
      expect(link).toContain('/oauth/callback/rogue?');
      // The victim's browser follows the link: it never started that flow.
      const victim = await freshPage(browser);
      try {
        await victim.goto(link);
        const landed = new URL(victim.url());
        expect(landed.origin).toBe(app.origin);
        expect(landed.searchParams.get('error')).toBe('BROWSER_MISMATCH');
        expect(landed.searchParams.get('ticket')).toBeNull();
      } finally {
        await victim.context().close();
      }
      expect(await rows(`select count(*)::int as n from federated_identities where provider = 'rogue'`, [])).toEqual(before);
      // The same kind of link in the browser that holds its flow's cookie does finish.
      const own = await attackerLink();
      const finished = await fetch(own.link, { redirect: 'manual', headers: { cookie: `${own.cookie.name}=${own.cookie.value}` } });
      expect(new URL(finished.headers.get('location')!).searchParams.get('ticket')).toBeTruthy();
    });

    it('sends the browser through our start route, which works once', async () => {
      const started = (await start({})).data!.startOAuth.authorizationUrl;
      expect(started.startsWith(`${server.url.replace(/\/graphql$/, '')}/oauth/start/acme?state=`)).toBe(true);
      const first = await fetch(started, { redirect: 'manual' });
      expect(first.status).toBe(303);
      expect(new URL(first.headers.get('location')!).origin).toBe(provider.issuer);
      expect(first.headers.get('set-cookie')).toMatch(/^girok_oauth_[0-9a-f]{16}=[\w-]{43}; Path=\/oauth\/; Max-Age=600; HttpOnly; SameSite=Lax$/);
      const second = await fetch(started, { redirect: 'manual' });
      expect(second.status).toBe(400);
      expect(await second.json()).toEqual({ error: 'INVALID_STATE' });
    });
  });

  describe('ID tokens that fail a check (from a provider that lies on purpose)', () => {
    async function rogueFlow(flaw: IdTokenFlaw): Promise<URL> {
      rogue.flaw = flaw;
      const started = await server.gql<{ startOAuth: { authorizationUrl: string } }>(START, { provider: 'rogue', redirectUrl });
      const page = await freshPage(browser);
      try {
        return (await visitProvider(page, started.data!.startOAuth.authorizationUrl, app.origin, { login: null })).landed;
      } finally {
        await page.context().close();
      }
    }
    const rogueAccounts = async () => (await rows(`select count(*)::int as n from federated_identities where provider = 'rogue'`, []))[0].n as number;

    it('accepts its well-formed ID token (so the refusals below are the checks at work)', async () => {
      const before = await rogueAccounts();
      const landed = await rogueFlow(null);
      expect(landed.searchParams.get('ticket')).toBeTruthy();
      expect(await rogueAccounts()).toBe(before + 1);
    });

    it.each<[string, IdTokenFlaw]>([
      ['for another audience', 'audience'],
      ['signed by a key its JWKS does not hold', 'signature'],
      ['expired', 'expired'],
      ['from another issuer', 'issuer'],
    ])('refuses an ID token %s (error=INVALID_RESPONSE), and writes nothing', async (_label, flaw) => {
      const before = await rogueAccounts();
      const landed = await rogueFlow(flaw);
      expect(landed.searchParams.get('error')).toBe('INVALID_RESPONSE');
      expect(landed.searchParams.get('ticket')).toBeNull();
      expect(await rogueAccounts()).toBe(before);
    });
  });
});
