import { LockMode, type EntityManager } from '@mikro-orm/postgresql';
import { UnauthenticatedError } from '../errors';
import type { Mailer } from '../mail/mailer';
import { User } from '../users/user.entity';
import type { UserStore } from '../users/user.store';
import type { Viewer } from '../viewer/viewer';

/**
 * Erases the viewer's account: one transaction deletes the user row, and with it (foreign
 * keys cascade) every row that references it, and every mail still waiting to go to its
 * addresses; the goodbye notice is queued in the same transaction. The viewer lookup joins
 * the user, so every access token of the account is dead at the next request.
 */
export class AccountDeletionService {
  constructor(private readonly deps: { users: UserStore; mailer: Mailer; log: { info(obj: object, msg: string): void } }) {}

  async delete(em: EntityManager, viewer: Viewer): Promise<true> {
    const { users, mailer } = this.deps;
    await em.transactional(async (tx) => {
      const user = await tx.findOne(User, viewer.user.id, { lockMode: LockMode.PESSIMISTIC_WRITE });
      // Deleted by a request that raced this one.
      if (!user) throw new UnauthenticatedError();
      const recipient = { email: user.email, locale: user.locale };
      await mailer.dropPending(tx, user.pendingEmail ? [user.email, user.pendingEmail] : [user.email]);
      await users.deleteAccount(tx, user.id);
      mailer.accountDeleted(tx, recipient);
    });
    this.deps.log.info({ userId: viewer.user.id }, 'account deleted by its holder');
    return true;
  }
}
