import type { EntityManager } from '@mikro-orm/postgresql';
import type { PasswordHasher } from '../crypto/password-hasher';
import { AccountDisabledError, EmailNotVerifiedError, InvalidCredentialsError } from '../errors';
import { SecurityEventType, type SecurityLog } from '../security/security-log';
import { parseEmail } from '../users/email-address';
import { User } from '../users/user.entity';
import type { UserStore } from '../users/user.store';
import type { ClientInfo } from '../viewer/viewer';
import type { SignIn } from './sign-in';
import type { IssuedToken } from './token-issuer';

export interface LoginDeps {
  users: Pick<UserStore, 'findCredentials'>;
  hasher: PasswordHasher;
  securityLog: SecurityLog;
  signIn: SignIn;
}

/** Password login: email and password in, a new session's token pair out. */
export class LoginService {
  constructor(private readonly deps: LoginDeps) {}

  async login(em: EntityManager, input: { email: unknown; password: unknown }, client: ClientInfo): Promise<IssuedToken> {
    const { users, hasher, securityLog, signIn } = this.deps;
    const email = parseEmail(input.email);
    const password = typeof input.password === 'string' ? input.password : '';
    const found = await users.findCredentials(email);
    if (!found?.passwordHash) {
      // No account, or one with no password: the same work and the same answer as a wrong password.
      await hasher.verifyNothing(password);
      throw new InvalidCredentialsError();
    }
    const { user, passwordHash } = found;
    const match = await hasher.verify(passwordHash, password);
    if (!match) {
      securityLog.recordAfterAnswer(() => em.fork(), { userId: user.id, type: SecurityEventType.LOGIN_FAILED, client });
      throw new InvalidCredentialsError();
    }
    // Said only to someone who knows the password, so it reveals nothing new.
    if (!user.emailVerified) throw new EmailNotVerifiedError();
    if (user.disabled) throw new AccountDisabledError();

    const rehash = match === 'legacy' || hasher.needsRehash(passwordHash) ? await hasher.hash(password) : null;
    const step = await em.transactional(async (tx) => {
      // A hash made with other parameters is redone here, committing with the session.
      if (rehash) await tx.nativeUpdate(User, { id: user.id }, { passwordHash: rehash });
      const opened = await signIn.open(tx, user, client, ['pwd']);
      if (opened.session) {
        await securityLog.record(tx, { userId: user.id, type: SecurityEventType.LOGIN_SUCCEEDED, client, sessionId: opened.session.sessionId });
      }
      return opened;
    });
    // With a second factor, MFA_REQUIRED: the session opens in verifyMfa.
    return signIn.finish(step);
  }
}
