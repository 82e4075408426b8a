import type { EntityManager } from '@mikro-orm/postgresql';
import * as oidc from 'openid-client';
import type { SignIn } from '../auth/sign-in';
import type { IssuedToken } from '../auth/token-issuer';
import type { Locale } from '../config';
import { sameDigest, sha256 } from '../crypto/digest';
import { opaqueToken } from '../crypto/random';
import { AccountDisabledError, BadUserInputError, ProviderUnavailableError, UnauthenticatedError } from '../errors';
import { SecurityEventType, type SecurityLog } from '../security/security-log';
import { viewerUserOf } from '../users/user.columns';
import { User } from '../users/user.entity';
import type { ClientInfo } from '../viewer/viewer';
import type { AccountResolution } from './account-resolution';
import { FlowError } from './flow-error';
import type { FlowStore } from './flow.store';
import type { SignInProvider } from './providers';

export interface FederationDeps {
  settings: { callbackBase: string | null; redirectUrls: readonly string[] };
  providers: readonly SignInProvider[];
  flows: FlowStore;
  resolution: AccountResolution;
  securityLog: SecurityLog;
  signIn: SignIn;
  log: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
}

/** What the callback route answers: a redirect back to the app, or an error page when there is no flow to return to. */
export type CallbackAnswer = { redirect: string } | { status: 400 | 404; error: 'UNKNOWN_PROVIDER' | 'INVALID_STATE' };

/** What the start route answers: the provider's URL and the cookie that binds the flow to this browser. */
export type BeginAnswer = { redirect: string; cookie: FlowCookie } | { status: 400 | 404; error: 'UNKNOWN_PROVIDER' | 'INVALID_STATE' };

/** The cookie of one flow: its name carries the flow (so two tabs' flows do not collide), its value the binding. */
export interface FlowCookie {
  name: string;
  value: string;
}

const OPAQUE = /^[A-Za-z0-9_-]{43}$/;

/**
 * Federated sign-in: `startOAuth` keeps the flow's state, nonce and PKCE verifier server-side
 * and sends the browser to the provider; its callback trades the code, resolves the account and
 * returns to the app with a single-use ticket (never a token in a URL); `completeOAuth` spends
 * the ticket through SignIn, so a second factor is asked like on every other path.
 */
export class FederationService {
  constructor(private readonly deps: FederationDeps) {}

  /** The configured providers, for the login buttons. */
  providers(): { id: string; name: string }[] {
    return this.deps.providers.map(({ id, name }) => ({ id, name }));
  }

  /**
   * Opens a flow; `linkUserId` is the signed-in account that links this provider (sudo, checked
   * by the caller). The URL it answers is our own start route, which binds the flow to the
   * browser (a cookie) before sending it on to the provider, so that a callback link made in
   * someone else's browser cannot finish in this one (login CSRF).
   */
  async start(em: EntityManager, rawProvider: unknown, rawRedirectUrl: unknown, linkUserId: string | null): Promise<{ authorizationUrl: string }> {
    const provider = this.provider(rawProvider);
    if (!provider) throw new BadUserInputError('provider', 'No sign-in provider has this id (see authProviders)');
    const redirectUrl = this.allowedRedirect(rawRedirectUrl);
    const state = opaqueToken();
    const checks = { state, nonce: oidc.randomNonce(), codeVerifier: oidc.randomPKCECodeVerifier() };
    try {
      // Discovery now, so a provider that is down is said here rather than after a redirect.
      await provider.authorizationUrl(this.callbackUrl(provider.id), checks);
    } catch (error) {
      this.deps.log.warn({ err: error, provider: provider.id }, 'federation: provider discovery failed');
      throw new ProviderUnavailableError(provider.name);
    }
    await this.deps.flows.open(em, state, { provider: provider.id, nonce: checks.nonce, codeVerifier: checks.codeVerifier, redirectUrl, linkUserId });
    const begin = new URL(`${this.deps.settings.callbackBase}/oauth/start/${provider.id}`);
    begin.searchParams.set('state', state);
    return { authorizationUrl: begin.toString() };
  }

  /** The browser starts the flow: binds it to a new cookie (once) and goes on to the provider. */
  async begin(em: EntityManager, providerId: string, rawQuery: string): Promise<BeginAnswer> {
    const provider = this.deps.providers.find((p) => p.id === providerId);
    if (!provider) return { status: 404, error: 'UNKNOWN_PROVIDER' };
    const state = new URLSearchParams(rawQuery).get('state');
    if (!state || !OPAQUE.test(state)) return { status: 400, error: 'INVALID_STATE' };
    const binding = opaqueToken();
    const flow = await this.deps.flows.bind(em, provider.id, state, binding);
    if (!flow) return { status: 400, error: 'INVALID_STATE' };
    try {
      const url = await provider.authorizationUrl(this.callbackUrl(provider.id), { state, nonce: flow.nonce, codeVerifier: flow.codeVerifier });
      return { redirect: url.toString(), cookie: { name: flowCookieName(state), value: binding } };
    } catch (error) {
      this.deps.log.warn({ err: error, provider: provider.id }, 'federation: provider discovery failed');
      return { redirect: withParam(flow.redirectUrl, 'error', 'PROVIDER_UNAVAILABLE'), cookie: { name: flowCookieName(state), value: '' } };
    }
  }

  /**
   * The browser comes back from the provider. The state is spent first (it never works twice);
   * nothing else is written unless the exchange and every check passed, and then the account
   * and its ticket are written in one transaction.
   */
  async callback(
    fork: () => EntityManager,
    providerId: string,
    rawQuery: string,
    cookie: (name: string) => string | null,
    client: ClientInfo,
    locale: Locale,
  ): Promise<CallbackAnswer> {
    const provider = this.deps.providers.find((p) => p.id === providerId);
    if (!provider) return { status: 404, error: 'UNKNOWN_PROVIDER' };
    const state = new URLSearchParams(rawQuery).get('state');
    if (!state || !OPAQUE.test(state)) return { status: 400, error: 'INVALID_STATE' };
    const spent = await this.deps.flows.spend(fork(), provider.id, state);
    if (spent.outcome === 'unknown') return { status: 400, error: 'INVALID_STATE' };
    if (spent.outcome === 'expired') return { redirect: withParam(spent.redirectUrl, 'error', 'STATE_EXPIRED') };
    const { flow } = spent;
    // Only the browser that went to the provider through our start route may finish the flow.
    const binding = cookie(flowCookieName(state));
    if (!spent.bindingHash || !binding || !sameDigest(sha256(binding), spent.bindingHash)) {
      this.deps.log.warn({ provider: provider.id }, 'federation: callback from a browser that did not start the flow');
      return { redirect: withParam(flow.redirectUrl, 'error', 'BROWSER_MISMATCH') };
    }
    try {
      const callbackUrl = new URL(`${this.callbackUrl(provider.id)}?${rawQuery}`);
      const profile = await provider.exchange(callbackUrl, { state, nonce: flow.nonce, codeVerifier: flow.codeVerifier });
      const ticket = await fork().transactional(async (tx) => {
        const userId = await this.deps.resolution.resolve(tx, { provider: provider.id, profile, linkUserId: flow.linkUserId, client, locale });
        return this.deps.flows.issueTicket(tx, userId);
      });
      return { redirect: withParam(flow.redirectUrl, 'ticket', ticket) };
    } catch (error) {
      const code = error instanceof FlowError ? error.code : 'SERVER_ERROR';
      if (code === 'SERVER_ERROR') this.deps.log.error({ err: error, provider: provider.id }, 'federation: callback failed');
      else this.deps.log.warn({ err: error, provider: provider.id, code }, 'federation: sign-in refused');
      return { redirect: withParam(flow.redirectUrl, 'error', code) };
    }
  }

  /** Spends the ticket and signs in (`amr` `fed`): a session, or MFA_REQUIRED. */
  async complete(em: EntityManager, rawTicket: unknown, client: ClientInfo): Promise<IssuedToken> {
    if (typeof rawTicket !== 'string' || !OPAQUE.test(rawTicket)) throw new BadUserInputError('ticket', 'ticket is malformed');
    const { flows, signIn, securityLog } = this.deps;
    const outcome = await em.transactional(async (tx) => {
      const userId = await flows.spendTicket(tx, rawTicket);
      if (!userId) return { error: new UnauthenticatedError('This sign-in ticket is unknown, used or expired; sign in again') };
      const user = await tx.findOneOrFail(User, userId, { populate: ['passwordHash'] });
      if (user.disabled) return { error: new AccountDisabledError() };
      const step = await signIn.open(tx, viewerUserOf(user), client, ['fed']);
      if (step.session) await securityLog.record(tx, { userId, type: SecurityEventType.LOGIN_SUCCEEDED, client, sessionId: step.session.sessionId });
      return { step };
    });
    if (outcome.error) throw outcome.error;
    return signIn.finish(outcome.step);
  }

  private provider(raw: unknown): SignInProvider | undefined {
    return typeof raw === 'string' ? this.deps.providers.find((p) => p.id === raw.trim().toLowerCase()) : undefined;
  }

  /** The redirect URL if OAUTH_REDIRECT_URLS lists its origin and path exactly (its query is kept, a fragment dropped). */
  private allowedRedirect(raw: unknown): string {
    let url: URL | null = null;
    try {
      url = typeof raw === 'string' && raw.length <= 2048 ? new URL(raw) : null;
    } catch {
      // reported below
    }
    if (!url || url.username || url.password || !this.deps.settings.redirectUrls.includes(`${url.origin}${url.pathname}`)) {
      throw new BadUserInputError('redirectUrl', 'redirectUrl must be one of OAUTH_REDIRECT_URLS (same origin and path)');
    }
    url.hash = '';
    return url.toString();
  }

  private callbackUrl(providerId: string): string {
    return `${this.deps.settings.callbackBase}/oauth/callback/${providerId}`;
  }
}

/** The cookie name of the flow with this state: a prefix of the state's SHA-256 (the state itself stays out of cookies). */
export function flowCookieName(state: string): string {
  return `girok_oauth_${sha256(state).toString('hex').slice(0, 16)}`;
}

function withParam(base: string, name: string, value: string): string {
  const url = new URL(base);
  url.searchParams.set(name, value);
  return url.toString();
}
