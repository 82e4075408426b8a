import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { SessionConfig } from '../config';
import type { ReadPool } from '../db/read-pool';
import { sql, sqlCount } from '../db/sql';
import { USER_COLUMNS, toViewerUser, type UserRow } from '../users/user.columns';
import type { AuthMethod, ClientInfo, ViewerUser } from '../viewer/viewer';
import type { RefreshTokens } from './refresh-token';
import { Session } from './session.entity';

/** Why a session ended. */
export type RevokeReason = 'logout' | 'logout_all' | 'revoked' | 'reuse' | 'password_change' | 'password_reset' | 'disabled' | 'email_change';

/** A session that was just opened or rotated, with the refresh token that continues it. */
export interface IssuedSession {
  sessionId: string;
  user: ViewerUser;
  refreshToken: string;
  /** How and when (seconds) the session was authenticated; a refresh keeps both. */
  amr: readonly AuthMethod[];
  authTime: number;
}

/** The session columns that say how it was authenticated, read with every rotation. */
const AUTH_COLUMNS = 's.amr, floor(extract(epoch from s.auth_time))::float8 as auth_epoch';

interface AuthRow {
  amr: string;
  auth_epoch: number | string;
}

function authOf(row: AuthRow): { amr: AuthMethod[]; authTime: number } {
  return { amr: row.amr.split(' ').filter(Boolean) as AuthMethod[], authTime: Number(row.auth_epoch) };
}

/** What presenting a refresh token led to. */
export type Rotation =
  | ({ outcome: 'rotated' } & IssuedSession)
  /** Not a token of this server, or of a session that is gone. */
  | { outcome: 'unknown' }
  | { outcome: 'expired' }
  | { outcome: 'revoked' }
  /** The previous token within the grace window, but its pair was retired by a credential change. */
  | { outcome: 'replaced' }
  /** The account was disabled by an administrator. */
  | { outcome: 'disabled' }
  /** A spent token after the grace window: the caller revokes the session. */
  | { outcome: 'reused'; sessionId: string; userId: string };

/** The session as the slow path of a rotation reads it. */
interface SessionStateRow extends UserRow, AuthRow {
  refresh_counter: string;
  previous_counter: string | null;
  within_grace: boolean;
  previous_replaced: boolean;
  revoked: boolean;
  expired: boolean;
}

const VIEWER_SQL = `select ${USER_COLUMNS}
  from users u join sessions s on s.user_id = u.id
 where s.id = ? and u.id = ? and s.revoked_at is null and s.expires_at > now() and not u.disabled`;

/** One rotation: the counter moves on only from the current token of a live session of an enabled account. */
const ROTATE_SQL = `update sessions s
    set refresh_counter = s.refresh_counter + 1, previous_counter = s.refresh_counter,
        previous_until = now() + make_interval(secs => ?), previous_replaced = false,
        last_used_at = now(), expires_at = least(now() + make_interval(secs => ?), s.created_at + make_interval(secs => ?)),
        ip = coalesce(?, s.ip), user_agent = coalesce(?, s.user_agent)
   from users u
  where s.id = ? and s.refresh_counter = ? and s.revoked_at is null and s.expires_at > now() and u.id = s.user_id and not u.disabled
 returning ${USER_COLUMNS}, ${AUTH_COLUMNS}`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Sessions: the only SQL that touches `sessions`. A session's refresh tokens are a counter on
 * its row (sessions/refresh-token.ts), so starting a session is one INSERT and a refresh one
 * UPDATE. Every method but the viewer lookup runs in the caller's unit of work.
 */
export class SessionStore {
  constructor(
    private readonly settings: SessionConfig,
    private readonly reads: ReadPool,
    private readonly tokens: RefreshTokens,
  ) {}

  /** Opens a session at counter 0, authenticated now by `amr`; returns its first refresh token. */
  async start(em: EntityManager, user: ViewerUser, client: ClientInfo, amr: readonly AuthMethod[] = ['pwd']): Promise<IssuedSession> {
    const sessionId = randomUUID();
    const [row] = await sql<AuthRow>(
      em,
      `insert into sessions as s (id, user_id, created_at, last_used_at, expires_at, refresh_counter, user_agent, ip, amr, auth_time)
       values (?, ?, now(), now(), now() + make_interval(secs => least(?, ?)), 0, ?, ?, ?, now())
       returning ${AUTH_COLUMNS}`,
      [sessionId, user.id, this.settings.refreshTtl, this.settings.maxLifetime, truncate(client.userAgent, 512), truncate(client.ip, 64), amr.join(' ')],
    );
    return { sessionId, user, refreshToken: this.tokens.mint(sessionId, 0n), ...authOf(row) };
  }

  /**
   * Rotates a refresh token. The current one moves the counter on, in one UPDATE that also
   * serializes concurrent rotations on the row lock. The previous one, inside the grace window,
   * yields the current one again (tabs refreshing together share one family line, no fork);
   * any other earlier one is reuse, however old. The database's clock decides the window, so
   * every instance agrees.
   */
  async rotate(em: EntityManager, presented: string, client: ClientInfo): Promise<Rotation> {
    const claims = this.tokens.read(presented);
    if (!claims) return { outcome: 'unknown' };
    const ttl = this.settings.refreshTtl;
    const params = [
      this.settings.reuseGrace,
      ttl,
      this.settings.maxLifetime,
      truncate(client.ip, 64),
      truncate(client.userAgent, 512),
      claims.sessionId,
      claims.counter.toString(),
    ];
    // Outside a transaction (every refresh), the statement goes straight to the pool, as the
    // viewer lookup does: the ORM's query path would cost about as much CPU as the driver.
    const [rotated] = em.getTransactionContext()
      ? await sql<UserRow & AuthRow>(em, ROTATE_SQL, params)
      : await this.reads.query<UserRow & AuthRow>(ROTATE_SQL, params);
    if (rotated)
      return {
        outcome: 'rotated',
        sessionId: claims.sessionId,
        user: toViewerUser(rotated),
        refreshToken: this.tokens.mint(claims.sessionId, claims.counter + 1n),
        ...authOf(rotated),
      };
    return this.classify(em, claims.sessionId, claims.counter);
  }

  /** Why a token did not rotate: read the session as it is now. */
  private async classify(em: EntityManager, sessionId: string, counter: bigint): Promise<Rotation> {
    const [row] = await sql<SessionStateRow>(
      em,
      `select s.refresh_counter, s.previous_counter, coalesce(s.previous_until > now(), false) as within_grace, s.previous_replaced,
              s.revoked_at is not null as revoked, s.expires_at <= now() as expired, ${USER_COLUMNS}, ${AUTH_COLUMNS}
         from sessions s join users u on u.id = s.user_id
        where s.id = ?`,
      [sessionId],
    );
    if (!row) return { outcome: 'unknown' };
    // Disabling ends every session too; the reason is the more useful answer.
    if (row.disabled) return { outcome: 'disabled' };
    if (row.revoked) return { outcome: 'revoked' };
    const current = BigInt(row.refresh_counter);
    // Only this server can mint a later counter than the current one; nothing to act on.
    if (counter > current) return { outcome: 'unknown' };
    const graceToken = row.previous_counter !== null && counter === BigInt(row.previous_counter) && row.within_grace;
    if (counter < current && !graceToken) return { outcome: 'reused', sessionId, userId: row.id };
    if (row.expired) return { outcome: 'expired' };
    if (!graceToken) return { outcome: 'unknown' };
    // Retired by a credential change: refused, but a tab that raced the change is no thief.
    if (row.previous_replaced) return { outcome: 'replaced' };
    return { outcome: 'rotated', sessionId, user: toViewerUser(row), refreshToken: this.tokens.mint(sessionId, current), ...authOf(row) };
  }

  /**
   * Gives a live session its next refresh token and retires the current one, for when the
   * credentials behind it changed (a password change keeps the session, not the old pair).
   */
  async reissue(em: EntityManager, sessionId: string, user: ViewerUser, client: ClientInfo): Promise<IssuedSession> {
    const [row] = await sql<{ refresh_counter: string } & AuthRow>(
      em,
      `update sessions s
          set refresh_counter = refresh_counter + 1, previous_counter = refresh_counter,
              previous_until = now() + make_interval(secs => ?), previous_replaced = true,
              last_used_at = now(), expires_at = least(now() + make_interval(secs => ?), created_at + make_interval(secs => ?)),
              ip = coalesce(?, ip), user_agent = coalesce(?, user_agent)
        where id = ?
       returning refresh_counter, ${AUTH_COLUMNS}`,
      [this.settings.reuseGrace, this.settings.refreshTtl, this.settings.maxLifetime, truncate(client.ip, 64), truncate(client.userAgent, 512), sessionId],
    );
    return { sessionId, user, refreshToken: this.tokens.mint(sessionId, BigInt(row.refresh_counter)), ...authOf(row) };
  }

  /**
   * The person proved who they are again in a live session: `auth_time` becomes now and `amr`
   * what they used; the session moves to its next refresh token as a refresh would (the grace
   * window holds for tabs holding the previous one). Null when the session has ended.
   */
  async reauthenticate(em: EntityManager, sessionId: string, user: ViewerUser, amr: readonly AuthMethod[], client: ClientInfo): Promise<IssuedSession | null> {
    const [row] = await sql<{ refresh_counter: string } & AuthRow>(
      em,
      `update sessions s
          set refresh_counter = refresh_counter + 1, previous_counter = refresh_counter,
              previous_until = now() + make_interval(secs => ?), previous_replaced = false,
              last_used_at = now(), expires_at = least(now() + make_interval(secs => ?), created_at + make_interval(secs => ?)),
              amr = ?, auth_time = now(), ip = coalesce(?, ip), user_agent = coalesce(?, user_agent)
        where id = ? and user_id = ? and revoked_at is null and expires_at > now()
       returning refresh_counter, ${AUTH_COLUMNS}`,
      [
        this.settings.reuseGrace,
        this.settings.refreshTtl,
        this.settings.maxLifetime,
        amr.join(' '),
        truncate(client.ip, 64),
        truncate(client.userAgent, 512),
        sessionId,
        user.id,
      ],
    );
    return row ? { sessionId, user, refreshToken: this.tokens.mint(sessionId, BigInt(row.refresh_counter)), ...authOf(row) } : null;
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

  /** The session an authentic refresh token of it belongs to (live or not), or null. */
  async findByRefreshToken(em: EntityManager, presented: string): Promise<{ sessionId: string; userId: string } | null> {
    const claims = this.tokens.read(presented);
    if (!claims) return null;
    const [row] = await sql<{ user_id: string }>(em, 'select user_id from sessions where id = ? and refresh_counter >= ?', [
      claims.sessionId,
      claims.counter.toString(),
    ]);
    return row ? { sessionId: claims.sessionId, userId: row.user_id } : null;
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

  /**
   * Deletes up to `limit` sessions that ended (logged out, revoked, reused, expired) more than
   * `retentionSeconds` ago; returns how many. SKIP LOCKED: instances purging together take
   * disjoint rows, and a session a sign-in holds is left for the next round.
   */
  purgeEnded(em: EntityManager, retentionSeconds: number, limit: number): Promise<number> {
    return sqlCount(
      em,
      `delete from sessions where id in (
         select id from sessions where coalesce(revoked_at, expires_at) < now() - make_interval(secs => ?)
          limit ? for update skip locked)`,
      [retentionSeconds, limit],
    );
  }

  /** The user's live sessions, most recently used first. */
  listLive(em: EntityManager, userId: string): Promise<Session[]> {
    return em.find(Session, { user: userId, revokedAt: null, expiresAt: { $gt: new Date() } }, { orderBy: { lastUsedAt: 'desc' } });
  }
}

function truncate(value: string | null, max: number): string | null {
  return value ? value.slice(0, max) : null;
}
