import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Config, Locale } from '../config';
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
  sessionId: string;
  user: User;
  refreshToken: string;
}

/** What rotation reads about a presented token, its session and its owner, in one query. */
interface RotationRow {
  t_id: string;
  successor_sealed: Buffer | null;
  used: boolean;
  within_grace: boolean | null;
  expired: boolean;
  session_id: string;
  revoked: boolean;
  id: string;
  email: string;
  email_verified: boolean;
  locale: Locale;
  created_at: Date;
  updated_at: Date;
}

const VIEWER_SQL = `select u.id, u.email, u.email_verified, u.locale, u.created_at, u.updated_at
  from users u join sessions s on s.user_id = u.id
 where s.id = $1 and u.id = $2 and s.revoked_at is null and s.expires_at > now()`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type RevokeReason = 'logout' | 'logout_all' | 'revoked' | 'reuse' | 'password_change' | 'password_reset';

/** A rotation either yields a new pair or an error that must be thrown after commit. */
export type Rotation = ({ ok: true } & IssuedSession) | { ok: false; error: ClientError };

/**
 * Sessions and their refresh-token families: start, rotate with reuse detection, revoke.
 * Every method runs in the caller's EntityManager so it joins the caller's transaction.
 */
export class SessionService {
  constructor(private readonly settings: Config['jwt']) {}

  /**
   * Opens a session with its first refresh token (and, if given, the event that records
   * it) in one statement: atomic on its own, one round trip on the login path.
   */
  async start(em: EntityManager, user: User, client: ClientInfo, event?: SecurityEventType): Promise<IssuedSession> {
    const sessionId = randomUUID();
    const refreshToken = opaqueToken();
    const ttl = this.settings.refreshTtl;
    const ip = truncate(client.ip, 64);
    const userAgent = truncate(client.userAgent, 512);
    await this.sql(
      em,
      `with opened as (
         insert into sessions (id, user_id, created_at, last_used_at, expires_at, user_agent, ip)
         values (?, ?, now(), now(), now() + make_interval(secs => ?), ?, ?)
       ), recorded as (
         insert into security_events (user_id, type, created_at, ip, user_agent, session_id)
         select ?, ?, now(), ?, ?, ? where ?::text is not null
       )
       insert into refresh_tokens (id, session_id, token_hash, created_at, expires_at)
       values (?, ?, ?, now(), now() + make_interval(secs => ?))`,
      [sessionId, user.id, ttl, userAgent, ip, user.id, event ?? null, ip, userAgent, sessionId, event ?? null, randomUUID(), sessionId, sha256(refreshToken), ttl],
    );
    return { sessionId, user, refreshToken };
  }

  /**
   * Rotates a refresh token. Inside the grace window a used token yields the successor it
   * already produced (tabs refreshing together share one family line); after it, the whole
   * session is revoked. The token row is locked so concurrent rotations serialize, and the
   * database's clock decides the window, so every instance agrees. Run it in a transaction.
   */
  async rotate(em: EntityManager, presented: string, client: ClientInfo): Promise<Rotation> {
    const [row] = await this.sql<RotationRow>(
      em,
      `select t.id as t_id, t.successor_sealed, t.used_at is not null as used,
              now() - t.used_at <= make_interval(secs => ?) as within_grace,
              t.expires_at <= now() or s.expires_at <= now() as expired,
              s.id as session_id, s.revoked_at is not null as revoked,
              u.id, u.email, u.email_verified, u.locale, u.created_at, u.updated_at
         from refresh_tokens t
         join sessions s on s.id = t.session_id
         join users u on u.id = s.user_id
        where t.token_hash = ?
          for update of t`,
      [this.settings.reuseGrace, sha256(presented)],
    );
    if (!row) return { ok: false, error: new UnauthenticatedError('Refresh token is not valid') };
    if (row.revoked) return { ok: false, error: new SessionRevokedError() };
    const user = em.map(User, { id: row.id, email: row.email, email_verified: row.email_verified, locale: row.locale, created_at: row.created_at, updated_at: row.updated_at });
    const tokenId = row.t_id;

    if (row.used) {
      if (row.within_grace) {
        const successor = row.successor_sealed ? openSuccessor(presented, row.successor_sealed) : null;
        if (successor) return { ok: true, sessionId: row.session_id, user, refreshToken: successor };
        // Retired without a successor (a password change reissued the pair): refuse, but a
        // tab that raced the change is no thief, so the session lives on.
        return { ok: false, error: new UnauthenticatedError('Refresh token was replaced; use the newest one') };
      }
      await em.nativeUpdate(Session, { id: row.session_id }, { revokedAt: new Date(), revokedReason: 'reuse' });
      recordEvent(em, user, SecurityEventType.REFRESH_REUSE_DETECTED, client, row.session_id);
      await em.flush();
      return { ok: false, error: new TokenReusedError() };
    }
    if (row.expired) return { ok: false, error: new UnauthenticatedError('Refresh token has expired') };

    const refreshToken = opaqueToken();
    const ttl = this.settings.refreshTtl;
    await this.sql(
      em,
      `with spent as (
         update refresh_tokens set used_at = now(), successor_sealed = ? where id = ?
       ), issued as (
         insert into refresh_tokens (id, session_id, token_hash, created_at, expires_at)
         values (?, ?, ?, now(), now() + make_interval(secs => ?))
       )
       update sessions
          set last_used_at = now(), expires_at = now() + make_interval(secs => ?),
              ip = coalesce(?, ip), user_agent = coalesce(?, user_agent)
        where id = ?`,
      [sealSuccessor(presented, refreshToken), tokenId, randomUUID(), row.session_id, sha256(refreshToken), ttl, ttl, truncate(client.ip, 64), truncate(client.userAgent, 512), row.session_id],
    );
    return { ok: true, sessionId: row.session_id, user, refreshToken };
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
    return { sessionId: session.id, user, refreshToken };
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
    // The hottest query of the server: straight to a pooled pg connection, skipping the
    // ORM's query pipeline, which costs about as much CPU again as the driver itself.
    const pool = em.getConnection().getKnex().client;
    const connection = await pool.acquireConnection();
    try {
      const { rows } = await connection.query(VIEWER_SQL, [sessionId, userId]);
      return rows.length ? em.map(User, rows[0]) : null;
    } finally {
      pool.releaseConnection(connection);
    }
  }

  /** Raw SQL in the caller's transaction, if it has one. */
  private sql<T = Record<string, unknown>>(em: EntityManager, query: string, params: unknown[]): Promise<T[]> {
    return em.getConnection().execute<T[]>(query, params, 'all', em.getTransactionContext());
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
