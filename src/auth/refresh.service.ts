import type { EntityManager } from '@mikro-orm/postgresql';
import { SessionRevokedError, TokenReusedError, UnauthenticatedError } from '../errors';
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
    const rotation = await em.transactional(async (tx) => {
      const outcome = await sessions.rotate(tx, presented, client);
      if (outcome.outcome === 'reused') {
        await securityLog.record(tx, { userId: outcome.userId, type: SecurityEventType.REFRESH_REUSE_DETECTED, client, sessionId: outcome.sessionId });
      }
      return outcome;
    });
    // Reuse revokes the session inside the transaction; the error is raised after it commits.
    switch (rotation.outcome) {
      case 'rotated':
        return issuer.issue(rotation);
      case 'reused':
        throw new TokenReusedError();
      case 'revoked':
        throw new SessionRevokedError();
      case 'expired':
        throw new UnauthenticatedError('Refresh token has expired');
      case 'replaced':
        throw new UnauthenticatedError('Refresh token was replaced; use the newest one');
      case 'unknown':
        throw new UnauthenticatedError('Refresh token is not valid');
    }
  }
}
