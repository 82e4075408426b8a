import type { EntityManager } from '@mikro-orm/postgresql';
import { ForbiddenError } from '../errors';
import { SecurityEventType, type SecurityLog } from '../security/security-log';
import { parseRefreshToken } from '../sessions/refresh-token';
import type { Session } from '../sessions/session.entity';
import type { SessionStore } from '../sessions/session.store';
import type { ClientInfo, Viewer } from '../viewer/viewer';

/** Signing out: one session by its refresh token, one of the viewer's by id, or all of them. */
export class SessionService {
  constructor(private readonly deps: { sessions: SessionStore; securityLog: SecurityLog }) {}

  /** The viewer's live sessions, most recently used first. */
  list(em: EntityManager, viewer: Viewer): Promise<Session[]> {
    return this.deps.sessions.listLive(em, viewer.user.id);
  }

  /** Ends the session a refresh token belongs to; false when the token is unknown. */
  logout(em: EntityManager, token: unknown, client: ClientInfo): Promise<boolean> {
    const presented = parseRefreshToken(token);
    return em.transactional(async (tx) => {
      const session = await this.deps.sessions.findByRefreshToken(tx, presented);
      if (!session) return false;
      await this.end(tx, session.sessionId, session.userId, 'logout', client);
      return true;
    });
  }

  /** Ends one of the viewer's sessions; someone else's id and no session look the same. */
  revokeOwn(em: EntityManager, viewer: Viewer, sessionId: string, client: ClientInfo): Promise<void> {
    return em.transactional(async (tx) => {
      if ((await this.deps.sessions.ownerOf(tx, sessionId)) !== viewer.user.id) throw new ForbiddenError('No such session of yours');
      await this.end(tx, sessionId, viewer.user.id, 'revoked', client);
    });
  }

  /** Ends every session of the viewer, the current one included. */
  logoutAll(em: EntityManager, viewer: Viewer, client: ClientInfo): Promise<void> {
    return em.transactional(async (tx) => {
      await this.deps.sessions.revokeAll(tx, viewer.user.id, 'logout_all');
      await this.deps.securityLog.record(tx, { userId: viewer.user.id, type: SecurityEventType.SESSION_REVOKED, client, sessionId: viewer.sessionId });
    });
  }

  private async end(em: EntityManager, sessionId: string, userId: string, reason: 'logout' | 'revoked', client: ClientInfo): Promise<void> {
    // Ending an ended session again changes nothing and records nothing.
    if (await this.deps.sessions.revoke(em, sessionId, reason)) {
      await this.deps.securityLog.record(em, { userId, type: SecurityEventType.SESSION_REVOKED, client, sessionId });
    }
  }
}
