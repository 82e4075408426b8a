import type { EntityManager } from '@mikro-orm/postgresql';
import type { PasswordHasher } from '../crypto/password-hasher';
import { BadUserInputError, InvalidCodeError, InvalidCredentialsError, SessionRevokedError } from '../errors';
import { parseSecondFactorCode, type SecondFactor } from '../mfa/second-factor';
import { SecurityEventType, type SecurityLog } from '../security/security-log';
import type { SessionStore } from '../sessions/session.store';
import { User } from '../users/user.entity';
import type { AuthMethod, ClientInfo, Viewer } from '../viewer/viewer';
import type { IssuedToken, TokenIssuer } from './token-issuer';

export interface ReauthenticateDeps {
  hasher: PasswordHasher;
  sessions: SessionStore;
  secondFactor: SecondFactor;
  securityLog: SecurityLog;
  issuer: TokenIssuer;
}

/**
 * Sudo mode's way in: the signed-in person proves who they are again (the password, or a TOTP
 * or recovery code), and the session's `auth_time` becomes now. Returns the renewed Token of
 * the same session.
 */
export class ReauthenticateService {
  constructor(private readonly deps: ReauthenticateDeps) {}

  async reauthenticate(em: EntityManager, viewer: Viewer, input: { password?: unknown; code?: unknown }, client: ClientInfo): Promise<IssuedToken> {
    const hasPassword = input.password !== undefined && input.password !== null;
    const hasCode = input.code !== undefined && input.code !== null;
    if (hasPassword === hasCode) throw new BadUserInputError(hasPassword ? 'code' : 'password', 'Give either your password or a code, not both');
    const { hasher, sessions, secondFactor, securityLog, issuer } = this.deps;
    const userId = viewer.user.id;
    let amr: AuthMethod[];
    if (hasPassword) {
      const user = await em.findOneOrFail(User, userId, { populate: ['passwordHash'] });
      const password = typeof input.password === 'string' ? input.password : '';
      if (!user.passwordHash || !(await hasher.verify(user.passwordHash, password))) {
        await em.transactional((tx) => securityLog.record(tx, { userId, type: SecurityEventType.LOGIN_FAILED, client, sessionId: viewer.sessionId }));
        throw new InvalidCredentialsError();
      }
      amr = ['pwd'];
    } else {
      amr = ['otp'];
    }
    const code = hasCode ? parseSecondFactorCode(input.code) : null;
    const outcome = await em.transactional(async (tx) => {
      if (code && !(await secondFactor.verify(tx, userId, code, client, viewer.sessionId))) {
        await securityLog.record(tx, { userId, type: SecurityEventType.MFA_FAILED, client, sessionId: viewer.sessionId });
        return { error: new InvalidCodeError() };
      }
      const session = await sessions.reauthenticate(tx, viewer.sessionId, viewer.user, amr, client);
      if (!session) throw new SessionRevokedError();
      await securityLog.record(tx, { userId, type: SecurityEventType.REAUTHENTICATED, client, sessionId: viewer.sessionId });
      return { session };
    });
    // A wrong code is thrown after its MFA_FAILED event has committed.
    if (outcome.error) throw outcome.error;
    return issuer.issue(outcome.session);
  }
}
