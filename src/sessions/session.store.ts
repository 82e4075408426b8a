import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { SessionConfig } from '../config';
import { sha256 } from '../crypto/digest';
import { opaqueToken } from '../crypto/random';
import { Seal } from '../crypto/seal';
import type { ReadPool } from '../db/read-pool';
import { sql, sqlCount } from '../db/sql';
import { USER_COLUMNS, toViewerUser, type UserRow } from '../users/user.columns';
import type { ClientInfo, ViewerUser } from '../viewer/viewer';
import { Session } from './session.entity';

/** Why a session ended. */
export type RevokeReason = 'logout' | 'logout_all' | 'revoked' | 'reuse' | 'password_change' | 'password_reset';

/** A session that was just opened or rotated, with the refresh token that continues it. */
export interface IssuedSession {
  sessionId: string;
  user: ViewerUser;
  refreshToken: string;
}

/** What presenting a refresh token led to. */
export type Rotation =
  | ({ outcome: 'rotated' } & IssuedSession)
  | { outcome: 'unknown' }
  | { outcome: 'expired' }
  | { outcome: 'revoked' }
  /** A spent token within the grace window whose pair was since retired (a password change). */
  | { outcome: 'replaced' }
  /** A spent token after the grace window: the session was revoked just now. */
  | { outcome: 'reused'; sessionId: string; userId: string };

/** The row rotation reads about a presented token, its session and its owner, in one query. */
interface RotationRow extends UserRow {
  t_id: string;
  successor_sealed: Buffer | null;
  used: boolean;
  within_grace: boolean | null;
  expired: boolean;
  session_id: string;
  revoked: boolean;
}

const VIEWER_SQL = `select ${USER_COLUMNS}
  from users u join sessions s on s.user_id = u.id
 where s.id = ? and u.id = ? and s.revoked_at is null and s.expires_at > now()`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Sessions and their refresh-token families: the only SQL that touches `sessions` and
 * `refresh_tokens`. Every method but the viewer lookup runs in the caller's unit of work, so
 * it joins the caller's transaction.
 */
export class SessionStore {
  constructor(
    private readonly settings: SessionConfig,
    private readonly reads: ReadPool,
  ) {}

  /** Opens a session with its first refresh token, in one statement. */
  async start(em: EntityManager, user: ViewerUser, client: ClientInfo): Promise<IssuedSession> {
    const sessionId = randomUUID();
    const refreshToken = opaqueToken();
    const ttl = this.settings.refreshTtl;
    await sqlCount(
      em,
      `with opened as (
         insert into sessions (id, user_id, created_at, last_used_at, expires_at, user_agent, ip)
         values (?, ?, now(), now(), now() + make_interval(secs => ?), ?, ?)
       )
       insert into refresh_tokens (id, session_id, token_hash, created_at, expires_at)
       values (?, ?, ?, now(), now() + make_interval(secs => ?))`,
      [sessionId, user.id, ttl, truncate(client.userAgent, 512), truncate(client.ip, 64), randomUUID(), sessionId, sha256(refreshToken), ttl],
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
    const [row] = await sql<RotationRow>(
      em,
      `select t.id as t_id, t.successor_sealed, t.used_at is not null as used,
              now() - t.used_at <= make_interval(secs => ?) as within_grace,
              t.expires_at <= now() or s.expires_at <= now() as expired,
              s.id as session_id, s.revoked_at is not null as revoked, ${USER_COLUMNS}
         from refresh_tokens t
         join sessions s on s.id = t.session_id
         join users u on u.id = s.user_id
        where t.token_hash = ?
          for update of t`,
      [this.settings.reuseGrace, sha256(presented)],
    );
    if (!row) return { outcome: 'unknown' };
    if (row.revoked) return { outcome: 'revoked' };
    const user = toViewerUser(row);

    if (row.used) {
      if (row.within_grace) {
        const successor = row.successor_sealed ? successorSeal(presented).open(row.successor_sealed) : null;
        // Retired without a successor (a password change reissued the pair): refused, but a
        // tab that raced the change is no thief, so the session lives on.
        if (!successor) return { outcome: 'replaced' };
        return { outcome: 'rotated', sessionId: row.session_id, user, refreshToken: successor.toString('utf8') };
      }
      await this.revoke(em, row.session_id, 'reuse');
      return { outcome: 'reused', sessionId: row.session_id, userId: user.id };
    }
    if (row.expired) return { outcome: 'expired' };

    const refreshToken = opaqueToken();
    const ttl = this.settings.refreshTtl;
    await sqlCount(
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
      [
        successorSeal(presented).seal(refreshToken),
        row.t_id,
        randomUUID(),
        row.session_id,
        sha256(refreshToken),
        ttl,
        ttl,
        truncate(client.ip, 64),
        truncate(client.userAgent, 512),
        row.session_id,
      ],
    );
    return { outcome: 'rotated', sessionId: row.session_id, user, refreshToken };
  }

  /**
   * Gives a live session a new refresh token and retires its current one, for when the
   * credentials behind it changed (a password change keeps the session, not the old pair).
   */
  async reissue(em: EntityManager, sessionId: string, user: ViewerUser, client: ClientInfo): Promise<IssuedSession> {
    const refreshToken = opaqueToken();
    const ttl = this.settings.refreshTtl;
    await sqlCount(
      em,
      `with retired as (
         update refresh_tokens set used_at = now() where session_id = ? and used_at is null
       ), issued as (
         insert into refresh_tokens (id, session_id, token_hash, created_at, expires_at)
         values (?, ?, ?, now(), now() + make_interval(secs => ?))
       )
       update sessions
          set last_used_at = now(), expires_at = now() + make_interval(secs => ?),
              ip = coalesce(?, ip), user_agent = coalesce(?, user_agent)
        where id = ?`,
      [sessionId, randomUUID(), sessionId, sha256(refreshToken), ttl, ttl, truncate(client.ip, 64), truncate(client.userAgent, 512), sessionId],
    );
    return { sessionId, user, refreshToken };
  }

  /**
   * The user behind an access token, only while its session is alive: one query, so logout
   * and revocation hold on the very next request, on every instance.
   */
  async findViewer(userId: string, sessionId: string): Promise<ViewerUser | null> {
    if (!UUID.test(userId) || !UUID.test(sessionId)) return null;
    const [row] = await this.reads.query<UserRow>(VIEWER_SQL, [sessionId, userId]);
    return row ? toViewerUser(row) : null;
  }

  /** The session a refresh token belongs to (live or not), or null for an unknown token. */
  async findByRefreshToken(em: EntityManager, presented: string): Promise<{ sessionId: string; userId: string } | null> {
    const [row] = await sql<{ session_id: string; user_id: string }>(
      em,
      `select s.id as session_id, s.user_id from refresh_tokens t join sessions s on s.id = t.session_id where t.token_hash = ?`,
      [sha256(presented)],
    );
    return row ? { sessionId: row.session_id, userId: row.user_id } : null;
  }

  /** Who owns a session (with `liveOnly`, only while it is alive), or null when the id names none. */
  async ownerOf(em: EntityManager, sessionId: string, options: { liveOnly?: boolean } = {}): Promise<string | null> {
    if (!UUID.test(sessionId)) return null;
    const live = options.liveOnly ? ' and revoked_at is null and expires_at > now()' : '';
    const [row] = await sql<{ user_id: string }>(em, `select user_id from sessions where id = ?${live}`, [sessionId]);
    return row?.user_id ?? null;
  }

  /** Ends one session; false when it had already ended. */
  async revoke(em: EntityManager, sessionId: string, reason: RevokeReason): Promise<boolean> {
    const ended = await sqlCount(em, 'update sessions set revoked_at = now(), revoked_reason = ? where id = ? and revoked_at is null', [reason, sessionId]);
    return ended > 0;
  }

  /** Ends every live session of the user, except `keepSessionId` if given; returns how many ended. */
  revokeAll(em: EntityManager, userId: string, reason: RevokeReason, keepSessionId?: string): Promise<number> {
    return sqlCount(em, 'update sessions set revoked_at = now(), revoked_reason = ? where user_id = ? and revoked_at is null and id is distinct from ?', [
      reason,
      userId,
      keepSessionId ?? null,
    ]);
  }

  /** The user's live sessions, most recently used first. */
  listLive(em: EntityManager, userId: string): Promise<Session[]> {
    return em.find(Session, { user: userId, revokedAt: null, expiresAt: { $gt: new Date() } }, { orderBy: { lastUsedAt: 'desc' } });
  }
}

/**
 * The successor of a rotated token is sealed under a key derived from that token's plaintext,
 * which is never stored: a tab presenting it again within the grace window gets the same
 * successor (no fork), while the database alone cannot recover it.
 */
function successorSeal(token: string): Seal {
  return new Seal(token, 'girok refresh successor');
}

function truncate(value: string | null, max: number): string | null {
  return value ? value.slice(0, max) : null;
}
