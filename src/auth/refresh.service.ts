import type { EntityManager } from '@mikro-orm/postgresql';
import { AccountDisabledError, SessionRevokedError, TokenReusedError, UnauthenticatedError } from '../errors';
import { SecurityEventType, type SecurityLog } from '../security/security-log';
import { parseRefreshToken } from '../sessions/refresh-token';
import type { SessionStore } from '../sessions/session.store';
import type { ClientInfo } from '../viewer/viewer';
import type { IssuedToken, TokenIssuer } from './token-issuer';

/** Exchanges a refresh token for the next pair; the old one is spent. */
export class RefreshService {
  constructor(private readonly deps: { sessions: SessionStore; securityLog: SecurityLog; issuer: TokenIssuer }) {}

  async refresh(em: EntityManager, token: unknown, client: ClientInfo): Promise<IssuedToken> {
    const presented = parseRefreshToken(token);
    const { sessions, securityLog, issuer } = this.deps;
    // One autocommitted UPDATE on the common path: no transaction to open and close.
    const rotation = await sessions.rotate(em, presented, client);
    switch (rotation.outcome) {
      case 'rotated':
        return issuer.issue(rotation);
      case 'reused':
        // A thief or a victim holds a spent token: end the whole session, and say so on the timeline.
        await em.transactional(async (tx) => {
          if (await sessions.revoke(tx, rotation.sessionId, 'reuse')) {
            await securityLog.record(tx, { userId: rotation.userId, type: SecurityEventType.REFRESH_REUSE_DETECTED, client, sessionId: rotation.sessionId });
          }
        });
        throw new TokenReusedError();
      case 'revoked':
        throw new SessionRevokedError();
      case 'disabled':
        throw new AccountDisabledError();
      case 'expired':
        throw new UnauthenticatedError('Refresh token has expired');
      case 'replaced':
        throw new UnauthenticatedError('Refresh token was replaced; use the newest one');
      case 'unknown':
        throw new UnauthenticatedError('Refresh token is not valid');
    }
  }
}
