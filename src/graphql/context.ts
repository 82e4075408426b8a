import type { EntityManager } from '@mikro-orm/postgresql';
import type { FastifyBaseLogger, FastifyRequest } from 'fastify';
import type { Authenticator } from '../auth/authenticate';
import { matchLocale, type Locale } from '../config';
import type { Database } from '../db/database';
import type { ClientInfo, Viewer } from '../viewer/viewer';

/**
 * Per request: where it came from, its own EntityManager (forked on first use, so a request
 * that needs none pays nothing), and the viewer, authenticated at most once.
 */
export class RequestContext {
  readonly client: ClientInfo;
  readonly requestId: string;
  readonly log: FastifyBaseLogger;
  private fork?: EntityManager;
  private viewerLoad?: Promise<Viewer | null>;

  constructor(
    private readonly database: Database,
    private readonly authenticator: Authenticator,
    private readonly request: FastifyRequest,
  ) {
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

/** Builds the context of one request; createApp makes one and hands it to the GraphQL route. */
export function contextFactory(database: Database, authenticator: Authenticator): (request: FastifyRequest) => Promise<RequestContext> {
  return async (request) => new RequestContext(database, authenticator, request);
}
