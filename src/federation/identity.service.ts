import { LockMode, type EntityManager } from '@mikro-orm/postgresql';
import { BadUserInputError, LastSignInMethodError } from '../errors';
import type { Mailer } from '../mail/mailer';
import type { PasskeyStore } from '../passkeys/passkey.store';
import { SecurityEventType, type SecurityLog } from '../security/security-log';
import { User } from '../users/user.entity';
import type { ClientInfo, Viewer } from '../viewer/viewer';
import type { FederatedIdentity, IdentityStore } from './identity.store';

export interface IdentityServiceDeps {
  identities: IdentityStore;
  passkeys: PasskeyStore;
  securityLog: SecurityLog;
  mailer: Mailer;
}

/** The account holder's view of its provider identities, and unlinking one. */
export class IdentityService {
  constructor(private readonly deps: IdentityServiceDeps) {}

  list(em: EntityManager, userId: string): Promise<FederatedIdentity[]> {
    return this.deps.identities.list(em, userId);
  }

  /**
   * Removes the account's identity at `provider` (sudo, checked by the caller). Refused with
   * LAST_SIGN_IN_METHOD when it is the last way in: no password, no passkey and no other
   * identity. The emailed sign-in code does not count: it is the recovery channel, not a chosen sign-in.
   */
  async unlink(em: EntityManager, viewer: Viewer, rawProvider: unknown, client: ClientInfo): Promise<true> {
    if (typeof rawProvider !== 'string' || !/^[A-Za-z0-9]{1,64}$/.test(rawProvider.trim())) throw new BadUserInputError('provider', 'provider is malformed');
    const provider = rawProvider.trim().toLowerCase();
    const { identities, passkeys, securityLog, mailer } = this.deps;
    await em.transactional(async (tx) => {
      const user = await tx.findOneOrFail(User, viewer.user.id, { lockMode: LockMode.PESSIMISTIC_WRITE, populate: ['passwordHash'] });
      if (!(await identities.has(tx, user.id, provider))) throw new BadUserInputError('provider', 'No identity of this provider is linked to the account');
      const others = (await identities.count(tx, user.id)) - 1 + (await passkeys.count(tx, user.id));
      if (!user.passwordHash && others === 0) throw new LastSignInMethodError();
      await identities.remove(tx, user.id, provider);
      await securityLog.record(tx, { userId: user.id, type: SecurityEventType.IDENTITY_UNLINKED, client, sessionId: viewer.sessionId });
      mailer.identityUnlinked(tx, user);
    });
    return true;
  }
}
