import type { EntityManager } from '@mikro-orm/postgresql';
import type { FastifyBaseLogger, FastifyRequest } from 'fastify';
import type { Config, Locale } from './config';
import type { AccessTokens } from './auth/tokens';
import type { LoginService } from './auth/login.service';
import type { PasswordService } from './auth/password.service';
import type { RegistrationService } from './auth/registration.service';
import type { ClientInfo, SessionService } from './sessions/session.service';
import type { User } from './users/user.entity';

/** Everything a resolver may call; built once by createApp. */
export interface Services {
  config: Config;
  tokens: AccessTokens;
  sessions: SessionService;
  registration: RegistrationService;
  login: LoginService;
  passwords: PasswordService;
}

/** The person behind a live access token, and which session the token belongs to. */
export interface Viewer {
  user: User;
  sessionId: string;
}

/** Per request: its own EntityManager fork, where it came from, and the lazily loaded viewer. */
export class RequestContext {
  readonly client: ClientInfo;
  readonly requestId: string;
  readonly log: FastifyBaseLogger;
  private viewerLoad?: Promise<Viewer | null>;

  constructor(
    readonly em: EntityManager,
    readonly services: Services,
    private readonly request: FastifyRequest,
  ) {
    const userAgent = request.headers['user-agent'];
    this.client = { ip: request.ip ?? null, userAgent: typeof userAgent === 'string' ? userAgent : null };
    this.requestId = String(request.id);
    this.log = request.log;
  }

  /** The viewer, loaded at most once per request; null without a live token. */
  viewer(): Promise<Viewer | null> {
    this.viewerLoad ??= this.loadViewer();
    return this.viewerLoad;
  }

  /** The locale the request asks for: `Accept-Language`, else English. */
  preferredLocale(): Locale {
    const header = this.request.headers['accept-language'];
    return typeof header === 'string' && /^\s*ko\b/i.test(header) ? 'ko' : 'en';
  }

  private async loadViewer(): Promise<Viewer | null> {
    const token = bearerToken(this.request.headers.authorization);
    const claims = token ? this.services.tokens.verify(token) : null;
    if (!claims) return null;
    const user = await this.services.sessions.findViewer(this.em, claims.userId, claims.sessionId);
    return user ? { user, sessionId: claims.sessionId } : null;
  }
}

function bearerToken(header: string | undefined): string | null {
  if (!header || header.length > 4096) return null;
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
  return match ? match[1] : null;
}
