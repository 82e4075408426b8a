import { LockMode, type EntityManager } from '@mikro-orm/postgresql';
import type { AddressBudgets } from '../abuse/address-budgets';
import { quietCodeRequest } from '../auth/quiet-code-request';
import { parseCode } from '../codes/code-format';
import { CodePurpose, type CodeStore } from '../codes/code.store';
import { BadUserInputError, EmailTakenError, InvalidCodeError } from '../errors';
import type { Mailer } from '../mail/mailer';
import { SecurityEventType, type SecurityLog } from '../security/security-log';
import { viewerUserOf } from '../users/user.columns';
import { parseEmail } from '../users/email-address';
import { User } from '../users/user.entity';
import type { ClientInfo, Viewer, ViewerUser } from '../viewer/viewer';

export interface EmailChangeDeps {
  budgets: AddressBudgets;
  codes: CodeStore;
  mailer: Mailer;
  securityLog: SecurityLog;
}

/**
 * A signed-in person moves the account to another address: a code goes to the new address,
 * and entering it makes the change. An address that another account holds gets the same
 * answer and no code (its owner is told instead), so the request reveals no account.
 */
export class EmailChangeService {
  constructor(private readonly deps: EmailChangeDeps) {}

  /** Always true for a well-formed new address; mails it a code when nobody holds it. */
  async request(em: EntityManager, viewer: Viewer, rawNewEmail: unknown): Promise<true> {
    const started = Date.now();
    const newEmail = parseEmail(rawNewEmail, 'newEmail');
    if (newEmail === viewer.user.email) throw new BadUserInputError('newEmail', 'This is already the address of your account');
    const { budgets, codes, mailer } = this.deps;
    // The cooldown is the account's, so asking about a taken and a free address look alike.
    return quietCodeRequest(
      em,
      budgets,
      'email_change',
      `user:${viewer.user.id}`,
      async (tx) => {
        const user = await tx.findOneOrFail(User, viewer.user.id, { lockMode: LockMode.PESSIMISTIC_WRITE });
        const holder = await tx.findOne(User, { email: newEmail });
        if (holder?.emailVerified) {
          // A verified owner hears of it; the caller learns nothing.
          if (await budgets.takeNotice(newEmail)) mailer.emailChangeAttempt(tx, holder);
          return;
        }
        // A pending registration holds no proof of the mailbox: the code goes out as for a free
        // address, and confirming it discards that registration, its password with it (a
        // pre-registered address can neither block the real owner nor ride along).
        user.pendingEmail = newEmail;
        const issued = await codes.issue(tx, user.id, CodePurpose.EmailChange);
        if (await budgets.takeCodeMail(newEmail)) mailer.emailChangeCode(tx, { email: newEmail, locale: user.locale }, issued);
      },
      started,
    );
  }

  /** Checks the code sent to the new address; on success the account uses it and the old one is told. */
  async confirm(em: EntityManager, viewer: Viewer, rawCode: unknown, client: ClientInfo): Promise<ViewerUser> {
    const code = parseCode(rawCode);
    const { codes, mailer, securityLog } = this.deps;
    const outcome = await em.transactional(async (tx) => {
      const user = await tx.findOneOrFail(User, viewer.user.id, { lockMode: LockMode.PESSIMISTIC_WRITE, populate: ['passwordHash'] });
      const check = await codes.check(tx, user.id, CodePurpose.EmailChange, code, client);
      if (!check.ok) return check;
      const newEmail = user.pendingEmail;
      if (!newEmail) return { ok: false as const, error: new InvalidCodeError() };
      const holder = await tx.findOne(User, { email: newEmail }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (holder?.emailVerified) return { ok: false as const, error: new EmailTakenError() };
      // Someone registered the address meanwhile without verifying it; whoever holds the mailbox just proved it is them.
      if (holder) await tx.nativeDelete(User, { id: holder.id });
      const oldEmail = user.email;
      user.email = newEmail;
      user.pendingEmail = null;
      user.emailVerified = true;
      await tx.flush();
      // Codes already mailed to the old address must not work any more.
      await codes.spendAll(tx, user.id);
      await securityLog.record(tx, { userId: user.id, type: SecurityEventType.EMAIL_CHANGED, client, sessionId: viewer.sessionId });
      mailer.emailChanged(tx, { email: oldEmail, locale: user.locale });
      return { ok: true as const, user: viewerUserOf(user) };
    });
    if (!outcome.ok) throw outcome.error;
    return outcome.user;
  }
}
