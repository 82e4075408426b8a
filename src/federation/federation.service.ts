import type { EntityManager } from '@mikro-orm/postgresql';
import * as oidc from 'openid-client';
import type { SignIn } from '../auth/sign-in';
import type { IssuedToken } from '../auth/token-issuer';
import type { Locale } from '../config';
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

  /** Opens a flow; `linkUserId` is the signed-in account that links this provider (sudo, checked by the caller). */
  async start(em: EntityManager, rawProvider: unknown, rawRedirectUrl: unknown, linkUserId: string | null): Promise<{ authorizationUrl: string }> {
    const provider = this.provider(rawProvider);
    if (!provider) throw new BadUserInputError('provider', 'No sign-in provider has this id (see authProviders)');
    const redirectUrl = this.allowedRedirect(rawRedirectUrl);
    const state = opaqueToken();
    const checks = { state, nonce: oidc.randomNonce(), codeVerifier: oidc.randomPKCECodeVerifier() };
    let url: URL;
    try {
      url = await provider.authorizationUrl(this.callbackUrl(provider.id), checks);
    } catch (error) {
      this.deps.log.warn({ err: error, provider: provider.id }, 'federation: provider discovery failed');
      throw new ProviderUnavailableError(provider.name);
    }
    await this.deps.flows.open(em, state, { provider: provider.id, nonce: checks.nonce, codeVerifier: checks.codeVerifier, redirectUrl, linkUserId });
    return { authorizationUrl: url.toString() };
  }

  /**
   * The browser comes back from the provider. The state is spent first (it never works twice);
   * nothing else is written unless the exchange and every check passed, and then the account
   * and its ticket are written in one transaction.
   */
  async callback(fork: () => EntityManager, providerId: string, rawQuery: string, client: ClientInfo, locale: Locale): Promise<CallbackAnswer> {
    const provider = this.deps.providers.find((p) => p.id === providerId);
    if (!provider) return { status: 404, error: 'UNKNOWN_PROVIDER' };
    const state = new URLSearchParams(rawQuery).get('state');
    if (!state || !OPAQUE.test(state)) return { status: 400, error: 'INVALID_STATE' };
    const spent = await this.deps.flows.spend(fork(), provider.id, state);
    if (spent.outcome === 'unknown') return { status: 400, error: 'INVALID_STATE' };
    if (spent.outcome === 'expired') return { redirect: withParam(spent.redirectUrl, 'error', 'STATE_EXPIRED') };
    const { flow } = spent;
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

function withParam(base: string, name: string, value: string): string {
  const url = new URL(base);
  url.searchParams.set(name, value);
  return url.toString();
}
