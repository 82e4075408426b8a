import * as oidc from 'openid-client';
import type { FederationProviderConfig } from '../config';
import { parseEmail } from '../users/email-address';
import { FlowError } from './flow-error';

/** Who the provider says signed in. */
export interface ProviderProfile {
  subject: string;
  /** The address in its one spelling, or null when the provider gave none (or none usable). */
  email: string | null;
  /** True only when the provider asserts it checked that the person holds the address. */
  emailVerified: boolean;
}

/** What a flow proves at the callback: the values kept server-side when it started. */
export interface FlowChecks {
  state: string;
  nonce: string;
  codeVerifier: string;
}

/**
 * Where GitHub's endpoints are. Only tests set it (AppOptions.github), pointing at a loopback
 * stand-in that serves GitHub's documented JSON; there is no environment variable for it, so
 * no deployment can be pointed elsewhere by mistake. An http stand-in is accepted only on loopback.
 */
export interface GithubEndpoints {
  authorizationEndpoint: string;
  tokenEndpoint: string;
  apiBase: string;
}

const GITHUB: GithubEndpoints = {
  authorizationEndpoint: 'https://github.com/login/oauth/authorize',
  tokenEndpoint: 'https://github.com/login/oauth/access_token',
  apiBase: 'https://api.github.com',
};

/** Seconds one request to a provider may take. */
const PROVIDER_TIMEOUT = 10;

/** One configured provider, speaking its protocol through openid-client. */
export interface SignInProvider {
  readonly id: string;
  readonly name: string;
  /** The URL to send the browser to (authorization code, PKCE S256, state, and a nonce for OIDC). */
  authorizationUrl(redirectUri: string, checks: FlowChecks): Promise<URL>;
  /** Trades the callback's code for the profile; every check failing throws a FlowError. */
  exchange(callbackUrl: URL, checks: FlowChecks): Promise<ProviderProfile>;
}

export function createProvider(config: FederationProviderConfig, github: GithubEndpoints | undefined): SignInProvider {
  return config.kind === 'github' ? new GithubProvider(config, github ?? GITHUB) : new OidcProvider(config);
}

/**
 * An OpenID Connect provider, found by discovery (cached once it worked). The ID token is
 * checked against the issuer's JWKS (`enableNonRepudiationChecks`: openid-client would
 * otherwise trust TLS for a token from the token endpoint) and for `iss`, `aud`, `exp`, `nonce`.
 */
class OidcProvider implements SignInProvider {
  readonly id: string;
  readonly name: string;
  private configuration?: Promise<oidc.Configuration>;

  constructor(private readonly config: FederationProviderConfig) {
    this.id = config.id;
    this.name = config.name;
  }

  async authorizationUrl(redirectUri: string, checks: FlowChecks): Promise<URL> {
    const configuration = await this.discover();
    return oidc.buildAuthorizationUrl(configuration, {
      redirect_uri: redirectUri,
      scope: this.config.scopes.join(' '),
      state: checks.state,
      nonce: checks.nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(checks.codeVerifier),
      code_challenge_method: 'S256',
    });
  }

  async exchange(callbackUrl: URL, checks: FlowChecks): Promise<ProviderProfile> {
    const configuration = await this.discover();
    return guard(async () => {
      const tokens = await oidc.authorizationCodeGrant(configuration, callbackUrl, {
        pkceCodeVerifier: checks.codeVerifier,
        expectedState: checks.state,
        expectedNonce: checks.nonce,
        idTokenExpected: true,
      });
      const claims = tokens.claims();
      if (!claims) throw new FlowError('INVALID_RESPONSE', 'no ID token');
      let email = claims.email;
      let verified = claims.email_verified;
      // Email claims missing from the ID token are read from userinfo (for the same subject).
      if (typeof email !== 'string') {
        const info = await oidc.fetchUserInfo(configuration, tokens.access_token, claims.sub);
        email = info.email;
        verified = info.email_verified;
      }
      return profile(claims.sub, email, verified === true || verified === 'true');
    });
  }

  private discover(): Promise<oidc.Configuration> {
    this.configuration ??= guard(() =>
      oidc.discovery(new URL(this.config.issuer!), this.config.clientId, undefined, oidc.ClientSecretBasic(this.config.clientSecret), {
        execute: [oidc.enableNonRepudiationChecks],
        timeout: PROVIDER_TIMEOUT,
      }),
    ).catch((error: unknown) => {
      // A provider that was down is asked again next time.
      this.configuration = undefined;
      throw error;
    });
    return this.configuration;
  }
}

/**
 * GitHub: OAuth 2 (authorization code with PKCE), then its REST API for the user (`id` is the
 * subject) and its addresses; only the primary, verified one is taken.
 */
class GithubProvider implements SignInProvider {
  readonly id: string;
  readonly name: string;
  private readonly configuration: oidc.Configuration;

  constructor(
    private readonly config: FederationProviderConfig,
    private readonly endpoints: GithubEndpoints,
  ) {
    this.id = config.id;
    this.name = config.name;
    this.configuration = new oidc.Configuration(
      { issuer: 'https://github.com', authorization_endpoint: endpoints.authorizationEndpoint, token_endpoint: endpoints.tokenEndpoint },
      config.clientId,
      undefined,
      oidc.ClientSecretPost(config.clientSecret),
    );
    if (endpoints !== GITHUB && Object.values(endpoints).every(isLoopbackUrl)) oidc.allowInsecureRequests(this.configuration);
    this.configuration.timeout = PROVIDER_TIMEOUT;
  }

  async authorizationUrl(redirectUri: string, checks: FlowChecks): Promise<URL> {
    return oidc.buildAuthorizationUrl(this.configuration, {
      redirect_uri: redirectUri,
      scope: this.config.scopes.join(' '),
      state: checks.state,
      code_challenge: await oidc.calculatePKCECodeChallenge(checks.codeVerifier),
      code_challenge_method: 'S256',
    });
  }

  exchange(callbackUrl: URL, checks: FlowChecks): Promise<ProviderProfile> {
    return guard(async () => {
      const tokens = await oidc.authorizationCodeGrant(this.configuration, callbackUrl, { pkceCodeVerifier: checks.codeVerifier, expectedState: checks.state });
      const user = (await this.api(tokens.access_token, '/user')) as { id?: unknown };
      const emails = (await this.api(tokens.access_token, '/user/emails')) as { email?: unknown; primary?: unknown; verified?: unknown }[];
      if ((typeof user.id !== 'number' && typeof user.id !== 'string') || !Array.isArray(emails))
        throw new FlowError('INVALID_RESPONSE', 'unexpected GitHub API answer');
      const primary = emails.find((e) => e.primary === true && e.verified === true);
      return profile(String(user.id), primary?.email, primary !== undefined);
    });
  }

  private async api(accessToken: string, path: string): Promise<unknown> {
    const headers = new Headers({ accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28', 'user-agent': 'girok-auth' });
    const response = await oidc.fetchProtectedResource(this.configuration, accessToken, new URL(path, this.endpoints.apiBase), 'GET', null, headers);
    if (!response.ok) throw new FlowError('PROVIDER_ERROR', `GitHub API ${path} answered ${response.status}`);
    return response.json();
  }
}

function profile(subject: string, rawEmail: unknown, verified: boolean): ProviderProfile {
  let email: string | null = null;
  try {
    email = parseEmail(rawEmail);
  } catch {
    // An address we cannot use is no address: the account is then found by subject only.
  }
  return { subject, email, emailVerified: email !== null && verified };
}

function isLoopbackUrl(raw: string): boolean {
  return ['localhost', '127.0.0.1', '[::1]'].includes(new URL(raw).hostname);
}

/** Runs a provider exchange; what fails becomes a FlowError with the code the app is sent. */
async function guard<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw toFlowError(error);
  }
}

function toFlowError(error: unknown): FlowError {
  if (error instanceof FlowError) return error;
  if (error instanceof oidc.AuthorizationResponseError) {
    return new FlowError(error.error === 'access_denied' ? 'ACCESS_DENIED' : 'PROVIDER_ERROR', `provider answered ${error.error}`, error);
  }
  if (error instanceof oidc.ResponseBodyError || error instanceof oidc.WWWAuthenticateChallengeError) {
    return new FlowError('PROVIDER_ERROR', 'provider refused the request', error);
  }
  if (isUnreachable(error)) return new FlowError('PROVIDER_UNAVAILABLE', 'provider unreachable', error);
  // The ID token or the response failed a check (signature, iss, aud, nonce, exp, state, PKCE).
  return new FlowError('INVALID_RESPONSE', error instanceof Error ? error.message : 'invalid provider response', error);
}

/** A request that got no answer: connection refused or reset, DNS, TLS, timeout. */
function isUnreachable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e.name === 'TimeoutError' || e.name === 'AbortError') return true;
    if (e instanceof TypeError && e.message === 'fetch failed') return true;
  }
  return false;
}
