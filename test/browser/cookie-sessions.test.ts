import { startTestServer, codeIn, errorCode, fetchAll, type TestServer } from '../support/server';
import { CHANGE, createVerifiedUser, LOGIN, ME, PASSWORD, REFRESH, bearer, type TokenPayload } from '../support/flows';
import { COOKIE_LOGOUT, COOKIE_REFRESH, refreshCookieIn, type RefreshCookie } from './support';
import { REAUTHENTICATE, VERIFY_MFA, enrollTotp, mfaTokenOf } from '../mfa/support';

const APP = 'http://localhost:5173';
const EVIL = 'https://evil.example';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let server: TestServer;
// No grace window: a replayed cookie is reuse at once.
let strict: TestServer;
beforeAll(async () => {
  server = await startTestServer({ CORS_ORIGINS: APP });
  strict = await startTestServer({ CORS_ORIGINS: APP, REFRESH_REUSE_GRACE: '0' });
}, 120_000);
afterAll(async () => {
  await server?.close();
  await strict?.close();
});

/** What a browser app at APP sends: its Origin, the cookie it holds, and cookie delivery. */
function fromApp(cookie?: RefreshCookie, origin = APP): Record<string, string> {
  return { origin, 'x-token-delivery': 'cookie', ...(cookie ? { cookie: cookie.pair } : {}) };
}

/** A verified account signed in the browser way: the access token in the body, the refresh token in the cookie. */
async function signInWithCookie(on: TestServer, origin = APP): Promise<{ token: TokenPayload; cookie: RefreshCookie }> {
  const { email } = await createVerifiedUser(on);
  const response = await on.gql<{ login: TokenPayload }>(LOGIN, { input: { email, password: PASSWORD } }, fromApp(undefined, origin));
  const cookie = refreshCookieIn(response.headers);
  if (!response.data?.login || !cookie) throw new Error(`cookie login failed: ${JSON.stringify(response.errors)}`);
  return { token: response.data.login, cookie };
}

describe('cookie delivery', () => {
  it('sets the refresh token as a __Host- HttpOnly, Secure, SameSite=Strict cookie and leaves it out of the body', async () => {
    const { token, cookie } = await signInWithCookie(server);
    expect(token.refreshToken).toBeNull();
    expect(token.accessToken).toEqual(expect.any(String));
    expect(cookie.value).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    expect(cookie.attributes).toEqual({ path: '/', 'max-age': '604800', httponly: true, samesite: 'Strict', secure: true });
    expect((await server.gql(ME, {}, bearer(token.accessToken))).data?.me?.email).toBe(token.user.email);
  });

  it('leaves bearer mode as it was: the refresh token in the body and no cookie', async () => {
    const { token } = await createVerifiedUser(server);
    const response = await server.gql<{ refreshToken: TokenPayload }>(REFRESH, { token: token.refreshToken }, { origin: APP });
    expect(response.data?.refreshToken.refreshToken).toEqual(expect.any(String));
    expect(response.headers.getSetCookie()).toEqual([]);
  });

  it('refreshes through the cookie without an argument, rotating it', async () => {
    const { cookie } = await signInWithCookie(server);
    const response = await server.gql<{ refreshToken: TokenPayload }>(COOKIE_REFRESH, {}, fromApp(cookie));
    const next = refreshCookieIn(response.headers);
    expect(response.data?.refreshToken.refreshToken).toBeNull();
    expect(next?.value).toEqual(expect.any(String));
    expect(next!.value).not.toBe(cookie.value);
    const me = await server.gql(ME, {}, bearer(response.data!.refreshToken.accessToken));
    expect(me.data?.me?.email).toBe(response.data!.refreshToken.user.email);

    // The rotated cookie is the one that works next.
    const again = await server.gql<{ refreshToken: TokenPayload }>(COOKIE_REFRESH, {}, fromApp(next!));
    expect(again.data?.refreshToken.accessToken).toEqual(expect.any(String));
  });

  it('puts the rotated token back in the cookie even when the call forgot the header', async () => {
    const { cookie } = await signInWithCookie(server);
    const response = await server.gql<{ refreshToken: TokenPayload }>(COOKIE_REFRESH, {}, { origin: APP, cookie: cookie.pair });
    expect(response.data?.refreshToken.refreshToken).toBeNull();
    expect(refreshCookieIn(response.headers)?.value).not.toBe(cookie.value);
  });

  it('gives two tabs refreshing with the same cookie at once the same successor (the grace window)', async () => {
    const { cookie } = await signInWithCookie(server);
    const [a, b] = await Promise.all([1, 2].map(() => server.gql<{ refreshToken: TokenPayload }>(COOKIE_REFRESH, {}, fromApp(cookie))));
    expect(errorCode(a)).toBeUndefined();
    expect(errorCode(b)).toBeUndefined();
    expect(refreshCookieIn(a.headers)!.value).toBe(refreshCookieIn(b.headers)!.value);
  });

  it('treats a replayed old cookie as reuse and ends the session', async () => {
    const { cookie } = await signInWithCookie(strict);
    const rotated = refreshCookieIn((await strict.gql(COOKIE_REFRESH, {}, fromApp(cookie))).headers)!;
    await sleep(1100);

    const replay = await strict.gql(COOKIE_REFRESH, {}, fromApp(cookie));
    expect(errorCode(replay)).toBe('TOKEN_REUSED');
    expect(errorCode(await strict.gql(COOKIE_REFRESH, {}, fromApp(rotated)))).toBe('SESSION_REVOKED');
  });

  it('answers UNAUTHENTICATED to a refresh with neither an argument nor a cookie', async () => {
    const response = await server.gql(COOKIE_REFRESH, {}, fromApp());
    expect(errorCode(response)).toBe('UNAUTHENTICATED');
  });

  it('logs out through the cookie: the session ends and the cookie is cleared', async () => {
    const { token, cookie } = await signInWithCookie(server);
    const response = await server.gql<{ logout: boolean }>(COOKIE_LOGOUT, {}, fromApp(cookie));
    expect(response.data?.logout).toBe(true);
    const cleared = refreshCookieIn(response.headers);
    expect(cleared?.value).toBe('');
    expect(cleared?.attributes['max-age']).toBe('0');
    expect(errorCode(await server.gql(COOKIE_REFRESH, {}, fromApp(cookie)))).toBe('SESSION_REVOKED');
    expect((await server.gql(ME, {}, bearer(token.accessToken))).data?.me).toBeNull();
  });

  it('renews the cookie on a password change, and clears it on logoutAll', async () => {
    const { token } = await signInWithCookie(server);
    const changed = await server.gql<{ changePassword: TokenPayload }>(
      CHANGE,
      { input: { currentPassword: PASSWORD, newPassword: `${PASSWORD} again` } },
      { ...fromApp(), ...bearer(token.accessToken) },
    );
    expect(changed.data?.changePassword.refreshToken).toBeNull();
    const renewed = refreshCookieIn(changed.headers)!;
    expect(errorCode(await server.gql(COOKIE_REFRESH, {}, fromApp(renewed)))).toBeUndefined();

    const all = await server.gql('mutation { logoutAll }', {}, { ...fromApp(), ...bearer(changed.data!.changePassword.accessToken) });
    expect(all.data?.logoutAll).toBe(true);
    expect(refreshCookieIn(all.headers)?.attributes['max-age']).toBe('0');
  });

  it('accepts the cookie from the server’s own origin without CORS_ORIGINS listing it', async () => {
    const { cookie } = await signInWithCookie(server);
    const own = new URL(server.url).origin;
    const response = await server.gql(COOKIE_REFRESH, {}, fromApp(cookie, own));
    expect(errorCode(response)).toBeUndefined();
  });
});

describe('origins that may not use the cookie', () => {
  it('takes PUBLIC_URL, not the Host header, as the server’s own origin when it is set', async () => {
    const behindProxy = await startTestServer({ PUBLIC_URL: 'https://auth.example.test/' });
    try {
      const { cookie } = await signInWithCookie(behindProxy, 'https://auth.example.test');
      const fromHost = await behindProxy.gql(COOKIE_REFRESH, {}, fromApp(cookie, new URL(behindProxy.url).origin));
      expect(errorCode(fromHost)).toBe('FORBIDDEN');
      expect(errorCode(await behindProxy.gql(COOKIE_REFRESH, {}, fromApp(cookie, 'https://auth.example.test')))).toBeUndefined();
    } finally {
      await behindProxy.close();
    }
  });

  it.each([
    ['a foreign origin', EVIL],
    ['the null origin of a sandboxed frame', 'null'],
  ])('refuses a cookie refresh from %s with FORBIDDEN and sets no cookie', async (_label, origin) => {
    const { cookie } = await signInWithCookie(server);
    const response = await server.gql(COOKIE_REFRESH, {}, fromApp(cookie, origin));
    expect(errorCode(response)).toBe('FORBIDDEN');
    expect(response.errors?.[0].extensions?.reason).toBe('ORIGIN_NOT_ALLOWED');
    expect(response.headers.getSetCookie()).toEqual([]);
    // The cookie was not spent: the app itself can still use it.
    expect(errorCode(await server.gql(COOKIE_REFRESH, {}, fromApp(cookie)))).toBeUndefined();
  });

  it('refuses a cookie refresh or logout that carries no Origin at all', async () => {
    const { cookie } = await signInWithCookie(server);
    const headers = { 'x-token-delivery': 'cookie', cookie: cookie.pair };
    expect(errorCode(await server.gql(COOKIE_REFRESH, {}, headers))).toBe('FORBIDDEN');
    const logout = await server.gql(COOKIE_LOGOUT, {}, headers);
    expect(errorCode(logout)).toBe('FORBIDDEN');
    expect(logout.headers.getSetCookie()).toEqual([]);
  });

  it('refuses cookie delivery of a login from a foreign origin before checking the password', async () => {
    const { email } = await createVerifiedUser(server);
    const response = await server.gql(LOGIN, { input: { email, password: 'not the password' } }, fromApp(undefined, EVIL));
    expect(errorCode(response)).toBe('FORBIDDEN');
    expect(response.headers.getSetCookie()).toEqual([]);
  });

  it('refuses a text/plain POST carrying the cookie (CSRF prevention), before any resolver', async () => {
    const { cookie } = await signInWithCookie(server);
    const response = await fetchAll(server.url, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', origin: EVIL, cookie: cookie.pair },
      body: JSON.stringify({ query: COOKIE_REFRESH }),
    });
    expect(response.status).toBe(400);
    expect(response.body.toString()).toMatch(/CSRF/i);
    expect(response.headers.getSetCookie()).toEqual([]);
    expect(errorCode(await server.gql(COOKIE_REFRESH, {}, fromApp(cookie)))).toBeUndefined();
  });
});

describe('CORS', () => {
  const preflight = (url: string, origin: string) =>
    fetchAll(url, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-token-delivery' },
    });

  it('grants a listed origin a credentialed preflight with the delivery header', async () => {
    const response = await preflight(server.url, APP);
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(APP);
    expect(response.headers.get('access-control-allow-credentials')).toBe('true');
    expect(response.headers.get('access-control-allow-headers')?.split(/,\s*/)).toEqual(expect.arrayContaining(['content-type', 'x-token-delivery']));
    expect(response.headers.get('vary')).toMatch(/origin/i);
  });

  it('grants an origin not in CORS_ORIGINS nothing, on the preflight and on the request', async () => {
    const refused = await preflight(server.url, EVIL);
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
    expect(refused.headers.get('access-control-allow-credentials')).toBeNull();
    const response = await server.gql('{ __typename }', {}, { origin: EVIL });
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('allows no origin at all by default', async () => {
    const plain = await startTestServer();
    try {
      expect((await preflight(plain.url, APP)).headers.get('access-control-allow-origin')).toBeNull();
      const response = await plain.gql('{ __typename }', {}, { origin: APP });
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await plain.close();
    }
  });
});

describe('a second factor in cookie mode', () => {
  it('sets no cookie on MFA_REQUIRED, and sets it (not the body) when verifyMfa and reauthenticate issue the Token', async () => {
    const { email, token } = await createVerifiedUser(server);
    const { app } = await enrollTotp(server, token.accessToken);

    const challenged = await server.gql(LOGIN, { input: { email, password: PASSWORD } }, fromApp());
    expect(errorCode(challenged)).toBe('MFA_REQUIRED');
    expect(refreshCookieIn(challenged.headers)).toBeNull();

    const verified = await server.gql<{ verifyMfa: TokenPayload }>(
      VERIFY_MFA,
      { input: { mfaToken: mfaTokenOf(challenged), code: await app.nextCode() } },
      fromApp(),
    );
    const cookie = refreshCookieIn(verified.headers);
    expect(verified.data?.verifyMfa.refreshToken).toBeNull();
    expect(cookie?.attributes.httponly).toBe(true);

    const renewed = await server.gql<{ reauthenticate: TokenPayload }>(
      REAUTHENTICATE,
      { input: { password: PASSWORD } },
      { ...fromApp(cookie!), ...bearer(verified.data!.verifyMfa.accessToken) },
    );
    expect(renewed.data?.reauthenticate.refreshToken).toBeNull();
    const next = refreshCookieIn(renewed.headers);
    expect(next?.value).toBeTruthy();
    expect(next?.value).not.toBe(cookie!.value);

    // The cookie the renewal set is the session's live refresh token.
    const refreshed = await server.gql<{ refreshToken: TokenPayload }>(COOKIE_REFRESH, {}, fromApp(next!));
    expect(refreshed.errors).toBeUndefined();
    expect(refreshed.data?.refreshToken.user.email).toBe(email);
  });
});

describe('a code sign-in in cookie mode', () => {
  it('sets the refresh cookie and leaves the refresh token out of the body', async () => {
    const { email } = await createVerifiedUser(server);
    const earlier = new Set(server.smtp.messages);
    await server.gql(`mutation RequestLoginCode($email: String!) { requestLoginCode(email: $email) }`, { email });
    const code = codeIn(await server.smtp.waitFor((m) => m.to === email && !earlier.has(m)));
    const signedIn = await server.gql<{ loginWithCode: TokenPayload }>(
      `mutation LoginWithCode($input: VerifyEmailInput!) { loginWithCode(input: $input) { accessToken refreshToken } }`,
      { input: { email, code } },
      fromApp(),
    );
    expect(signedIn.data?.loginWithCode.refreshToken).toBeNull();
    const cookie = refreshCookieIn(signedIn.headers);
    expect(cookie?.attributes.httponly).toBe(true);
    expect((await server.gql<{ refreshToken: TokenPayload }>(COOKIE_REFRESH, {}, fromApp(cookie!))).errors).toBeUndefined();
  });
});
