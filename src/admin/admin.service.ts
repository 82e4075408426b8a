import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from '../db/sql';
import { BadUserInputError } from '../errors';
import { SecurityEventType, type SecurityLog } from '../security/security-log';
import type { SessionStore } from '../sessions/session.store';
import { USER_COLUMNS, toViewerUser, type UserRow } from '../users/user.columns';
import type { UserStore } from '../users/user.store';
import { UNKNOWN_CLIENT, type ViewerUser } from '../viewer/viewer';

const MAX_PAGE = 100;

export interface AdminDeps {
  /** ROLES: the only roles that can be granted. */
  roles: readonly string[];
  users: UserStore;
  sessions: SessionStore;
  securityLog: SecurityLog;
  /** Who did what goes to the server log; the target's timeline says only that an administrator did it. */
  log: { info(obj: object, msg: string): void };
}

/** Who acts: an administrator's account id, or null for an operator at the console (user:create). */
export type Actor = string | null;

/** A page of the account list, in creation order. */
export interface UserPage {
  edges: { cursor: string; node: ViewerUser }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

/**
 * Finding accounts, granting roles, disabling and enabling. Every change is one transaction
 * with its event on the target's own timeline; the event carries no client data, so the
 * administrator's address never shows on someone else's timeline.
 */
export class AdminService {
  constructor(private readonly deps: AdminDeps) {}

  async list(em: EntityManager, first: number, after: string | null | undefined, query: string | null | undefined): Promise<UserPage> {
    if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE) throw new BadUserInputError('first', `first must be from 1 to ${MAX_PAGE}`);
    const emailPrefix = query?.trim().toLowerCase() || null;
    // NUL cannot travel in a PostgreSQL text parameter; no address holds one anyway.
    if (emailPrefix && (emailPrefix.length > 254 || emailPrefix.includes('\0'))) {
      throw new BadUserInputError('query', 'query must be at most 254 characters, without NUL');
    }
    const rows = await this.deps.users.list(em, { limit: first + 1, after: after == null ? null : decodeCursor(after), emailPrefix });
    const edges = rows.slice(0, first).map((row) => ({ cursor: encodeCursor(row.position), node: row.user }));
    return { edges, pageInfo: { hasNextPage: rows.length > first, endCursor: edges.at(-1)?.cursor ?? null } };
  }

  find(em: EntityManager, id: string): Promise<ViewerUser | null> {
    return this.deps.users.findById(em, id);
  }

  /** Replaces the account's roles with `roles`, each of which must be in ROLES. */
  async setRoles(em: EntityManager, actor: Actor, id: string, roles: readonly unknown[]): Promise<ViewerUser> {
    const unknown = roles.find((role) => typeof role !== 'string' || !this.deps.roles.includes(role));
    if (unknown !== undefined) {
      const shown = typeof unknown === 'string' ? unknown : JSON.stringify(unknown);
      throw new BadUserInputError('roles', `Unknown role ${shown}; roles are: ${this.deps.roles.join(', ')}`, { allowed: this.deps.roles });
    }
    const granted = [...new Set(roles as string[])].sort();
    return this.change(em, actor, id, "roles = string_to_array(?, ',')", [granted.join(',')], SecurityEventType.ROLES_CHANGED_BY_ADMIN, { roles: granted });
  }

  /** Disables the account and ends every session of it, in one transaction. */
  async disable(em: EntityManager, actor: Actor, id: string, reason: string | null | undefined): Promise<ViewerUser> {
    if (actor !== null && actor === id) throw new BadUserInputError('id', 'You cannot disable your own account');
    if (reason != null && reason.length > 500) throw new BadUserInputError('reason', 'reason must be at most 500 characters');
    return this.change(em, actor, id, 'disabled = true', [], SecurityEventType.DISABLED_BY_ADMIN, { reason: reason ?? null }, async (tx) => {
      await this.deps.sessions.revokeAll(tx, id, 'disabled');
    });
  }

  enable(em: EntityManager, actor: Actor, id: string): Promise<ViewerUser> {
    return this.change(em, actor, id, 'disabled = false', [], SecurityEventType.ENABLED_BY_ADMIN, {});
  }

  private async change(
    em: EntityManager,
    actor: Actor,
    id: string,
    assignment: string,
    params: unknown[],
    event: SecurityEventType,
    details: object,
    alsoInTransaction?: (tx: EntityManager) => Promise<void>,
  ): Promise<ViewerUser> {
    if (!UUID.test(id)) throw noSuchUser();
    const user = await em.transactional(async (tx) => {
      const [row] = await sql<UserRow>(tx, `update users u set ${assignment}, updated_at = now() where u.id = ? returning ${USER_COLUMNS}`, [...params, id]);
      if (!row) return null;
      await alsoInTransaction?.(tx);
      await this.deps.securityLog.record(tx, { userId: id, type: event, client: UNKNOWN_CLIENT });
      return toViewerUser(row);
    });
    if (!user) throw noSuchUser();
    this.deps.log.info({ actor: actor ?? 'console', target: id, event, ...details }, 'admin action');
    return user;
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function noSuchUser(): BadUserInputError {
  return new BadUserInputError('id', 'No account has this id');
}

function encodeCursor(position: { createdAt: string; id: string }): string {
  return Buffer.from(`u:${position.createdAt}|${position.id}`).toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: string; id: string } {
  const match = /^u:(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z)\|([0-9a-f-]{36})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match || !UUID.test(match[2])) throw new BadUserInputError('after', 'after is not a cursor from this list');
  return { createdAt: match[1], id: match[2] };
}
