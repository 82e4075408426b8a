import type { EntityManager } from '@mikro-orm/postgresql';
import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify';
import type { Authenticator } from '../auth/authenticate';
import { matchLocale, type Locale, type RefreshCookieConfig } from '../config';
import type { Database } from '../db/database';
import type { OriginPolicy } from '../http/origins';
import type { ClientInfo, Viewer } from '../viewer/viewer';
import { TokenDelivery } from './token-delivery';

/**
 * Per request: where it came from, its own EntityManager (forked on first use, so a request
 * that needs none pays nothing), and the viewer, authenticated at most once.
 */
export class RequestContext {
  readonly client: ClientInfo;
  readonly requestId: string;
  readonly log: FastifyBaseLogger;
  /** Where this request's refresh token comes from and goes to: the body, or the HttpOnly cookie. */
  readonly tokens: TokenDelivery;
  private fork?: EntityManager;
  private viewerLoad?: Promise<Viewer | null>;

  constructor(
    private readonly database: Database,
    private readonly authenticator: Authenticator,
    private readonly request: FastifyRequest,
    tokens: TokenDelivery,
  ) {
    this.tokens = tokens;
    const userAgent = request.headers['user-agent'];
    this.client = { ip: request.ip ?? null, userAgent: typeof userAgent === 'string' ? userAgent : null };
    this.requestId = String(request.id);
    this.log = request.log;
  }

  /** This request's EntityManager; the global one is never used. */
  get em(): EntityManager {
    this.fork ??= this.database.fork();
    return this.fork;
  }

  /** The viewer behind the bearer token, or null without a live one. */
  viewer(): Promise<Viewer | null> {
    this.viewerLoad ??= this.authenticator.authenticate(this.request.headers.authorization);
    return this.viewerLoad;
  }

  /** The language the request asks for (`Accept-Language`), else the default. */
  get locale(): Locale {
    const header = this.request.headers['accept-language'];
    return matchLocale(typeof header === 'string' ? header : undefined);
  }
}

/** How browser sessions carry the refresh token (see token-delivery.ts). */
export interface BrowserSessionSettings {
  readonly cookie: RefreshCookieConfig;
  readonly refreshTtl: number;
  readonly origins: OriginPolicy;
}

/** Builds the context of one request; createApp makes one and hands it to the GraphQL route. */
export function contextFactory(
  database: Database,
  authenticator: Authenticator,
  browser: BrowserSessionSettings,
): (request: FastifyRequest, reply: FastifyReply) => Promise<RequestContext> {
  return async (request, reply) =>
    new RequestContext(database, authenticator, request, new TokenDelivery(browser.cookie, browser.refreshTtl, browser.origins, request, reply));
}
