import { LockMode, type EntityManager } from '@mikro-orm/postgresql';
import type { Config } from '../config';
import { opaqueToken, sha256 } from '../crypto/random';
import { ForbiddenError, SessionRevokedError, TokenReusedError, UnauthenticatedError, type ClientError } from '../errors';
import { recordEvent, SecurityEventType } from '../security/security-log';
import { User } from '../users/user.entity';
import { RefreshToken } from './refresh-token.entity';
import { openSuccessor, sealSuccessor } from './sealing';
import { Session } from './session.entity';

/** Where a request came from, recorded on the session. */
export interface ClientInfo {
  ip: string | null;
  userAgent: string | null;
}

export interface IssuedSession {
  session: Session;
  user: User;
  refreshToken: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type RevokeReason = 'logout' | 'logout_all' | 'revoked' | 'reuse' | 'password_change' | 'password_reset';

/** A rotation either yields a new pair or an error that must be thrown after commit. */
export type Rotation = ({ ok: true } & IssuedSession) | { ok: false; error: ClientError; revokedSession?: Session };

/**
 * Sessions and their refresh-token families: start, rotate with reuse detection, revoke.
 * Every method runs in the caller's EntityManager so it joins the caller's transaction.
 */
export class SessionService {
  constructor(private readonly settings: Config['jwt']) {}

  async start(em: EntityManager, user: User, client: ClientInfo): Promise<IssuedSession> {
    const expiresAt = this.refreshExpiry();
    const session = em.create(Session, {
      user,
      expiresAt,
      userAgent: truncate(client.userAgent, 512),
      ip: truncate(client.ip, 64),
    } as Session);
    const refreshToken = opaqueToken();
    em.create(RefreshToken, { session, tokenHash: sha256(refreshToken), expiresAt } as RefreshToken);
    await em.flush();
    return { session, user, refreshToken };
  }

  /**
   * Rotates a refresh token. Inside the grace window a used token yields the successor it
   * already produced (tabs refreshing together share one family line); after it, the whole
   * session is revoked. The token row is locked so concurrent rotations serialize.
   */
  async rotate(em: EntityManager, presented: string, client: ClientInfo): Promise<Rotation> {
    const token = await em.findOne(RefreshToken, { tokenHash: sha256(presented) }, { lockMode: LockMode.PESSIMISTIC_WRITE });
    if (!token) return { ok: false, error: new UnauthenticatedError('Refresh token is not valid') };
    const session = await em.findOneOrFail(Session, token.session.id, { populate: ['user'] });
    const now = new Date();
    if (session.revokedAt) return { ok: false, error: new SessionRevokedError() };

    if (token.usedAt) {
      if (now.getTime() - token.usedAt.getTime() <= this.settings.reuseGrace * 1000) {
        const successor = token.successorSealed ? openSuccessor(presented, token.successorSealed) : null;
        if (successor) return { ok: true, session, user: session.user, refreshToken: successor };
        // Retired without a successor (a password change reissued the pair): refuse, but a
        // tab that raced the change is no thief, so the session lives on.
        return { ok: false, error: new UnauthenticatedError('Refresh token was replaced; use the newest one') };
      }
      this.markRevoked(session, 'reuse', now);
      recordEvent(em, session.user, SecurityEventType.REFRESH_REUSE_DETECTED, client, session.id);
      await em.flush();
      return { ok: false, error: new TokenReusedError(), revokedSession: session };
    }
    if (token.expiresAt <= now || session.expiresAt <= now) {
      return { ok: false, error: new UnauthenticatedError('Refresh token has expired') };
    }

    const refreshToken = opaqueToken();
    const expiresAt = this.refreshExpiry();
    em.create(RefreshToken, { session, tokenHash: sha256(refreshToken), expiresAt } as RefreshToken);
    token.usedAt = now;
    token.successorSealed = sealSuccessor(presented, refreshToken);
    session.lastUsedAt = now;
    session.expiresAt = expiresAt;
    session.ip = truncate(client.ip, 64) ?? session.ip;
    session.userAgent = truncate(client.userAgent, 512) ?? session.userAgent;
    await em.flush();
    return { ok: true, session, user: session.user, refreshToken };
  }

  /**
   * Gives a live session a new refresh token and retires its current one, for when the
   * credentials behind it changed (a password change keeps the session, not the old pair).
   */
  async reissue(em: EntityManager, session: Session, user: User, client: ClientInfo): Promise<IssuedSession> {
    const now = new Date();
    await em.nativeUpdate(RefreshToken, { session, usedAt: null }, { usedAt: now });
    const refreshToken = opaqueToken();
    const expiresAt = this.refreshExpiry();
    em.create(RefreshToken, { session, tokenHash: sha256(refreshToken), expiresAt } as RefreshToken);
    session.lastUsedAt = now;
    session.expiresAt = expiresAt;
    session.ip = truncate(client.ip, 64) ?? session.ip;
    session.userAgent = truncate(client.userAgent, 512) ?? session.userAgent;
    await em.flush();
    return { session, user, refreshToken };
  }

  /** Ends the session a refresh token belongs to; false when the token is unknown. */
  logout(em: EntityManager, presented: string, client: ClientInfo): Promise<boolean> {
    return em.transactional(async (tx) => {
      const token = await tx.findOne(RefreshToken, { tokenHash: sha256(presented) }, { populate: ['session'] });
      if (!token) return false;
      this.revokeOne(tx, token.session, 'logout', client);
      return true;
    });
  }

  /** Ends one of the viewer's sessions; someone else's id and no session look the same. */
  revokeOwn(em: EntityManager, viewer: { user: User }, sessionId: string, client: ClientInfo): Promise<void> {
    return em.transactional(async (tx) => {
      const session = UUID.test(sessionId) ? await tx.findOne(Session, sessionId) : null;
      if (!session || session.user.id !== viewer.user.id) throw new ForbiddenError('No such session of yours');
      this.revokeOne(tx, session, 'revoked', client);
    });
  }

  /** Ends every session of the viewer, the current one included. */
  logoutAll(em: EntityManager, viewer: { user: User; sessionId: string }, client: ClientInfo): Promise<void> {
    return em.transactional(async (tx) => {
      await this.revokeAll(tx, viewer.user, 'logout_all');
      recordEvent(tx, tx.merge(viewer.user), SecurityEventType.SESSION_REVOKED, client, viewer.sessionId);
    });
  }

  private revokeOne(em: EntityManager, session: Session, reason: RevokeReason, client: ClientInfo): void {
    if (session.revokedAt) return;
    this.markRevoked(session, reason, new Date());
    recordEvent(em, session.user, SecurityEventType.SESSION_REVOKED, client, session.id);
  }

  /** Ends every live session of the user, except `keep` if given; returns how many ended. */
  async revokeAll(em: EntityManager, user: User, reason: RevokeReason, keep?: Session): Promise<number> {
    return em.nativeUpdate(
      Session,
      { user, revokedAt: null, ...(keep ? { id: { $ne: keep.id } } : {}) },
      { revokedAt: new Date(), revokedReason: reason },
    );
  }

  /** The user's live sessions, most recently used first. */
  listLive(em: EntityManager, user: User): Promise<Session[]> {
    return em.find(Session, { user, revokedAt: null, expiresAt: { $gt: new Date() } }, { orderBy: { lastUsedAt: 'desc' } });
  }

  /**
   * The user behind an access token, only while its session is alive: one query, so
   * logout and revocation hold on the very next request, on every instance.
   */
  async findViewer(em: EntityManager, userId: string, sessionId: string): Promise<User | null> {
    const rows = await em.getConnection().execute(
      `select u.id, u.email, u.email_verified, u.locale, u.created_at, u.updated_at
         from users u join sessions s on s.user_id = u.id
        where s.id = ? and u.id = ? and s.revoked_at is null and s.expires_at > now()`,
      [sessionId, userId],
    );
    return rows.length ? em.map(User, rows[0]) : null;
  }

  private markRevoked(session: Session, reason: RevokeReason, at: Date): void {
    session.revokedAt = at;
    session.revokedReason = reason;
  }

  private refreshExpiry(): Date {
    return new Date(Date.now() + this.settings.refreshTtl * 1000);
  }
}

function truncate(value: string | null, max: number): string | null {
  return value ? value.slice(0, max) : null;
}
