import { LockMode, type EntityManager } from '@mikro-orm/postgresql';
import type { AddressBudgets } from '../abuse/address-budgets';
import type { Locale } from '../config';
import { parseCode } from '../codes/code-format';
import { CodePurpose, type CodeStore } from '../codes/code.store';
import type { PasswordHasher } from '../crypto/password-hasher';
import { AccountDisabledError, InvalidCredentialsError, SessionRevokedError } from '../errors';
import type { Mailer } from '../mail/mailer';
import { SecurityEventType, type SecurityLog } from '../security/security-log';
import type { SessionStore } from '../sessions/session.store';
import { viewerUserOf } from '../users/user.columns';
import { parseEmail } from '../users/email-address';
import { User } from '../users/user.entity';
import type { ClientInfo, Viewer } from '../viewer/viewer';
import { checkPassword } from './password-policy';
import type { SignIn } from './sign-in';
import { quietCodeRequest } from './quiet-code-request';
import type { IssuedToken, TokenIssuer } from './token-issuer';

export interface PasswordDeps {
  budgets: AddressBudgets;
  settings: { passwordMinLength: number };
  codes: CodeStore;
  hasher: PasswordHasher;
  mailer: Mailer;
  sessions: SessionStore;
  securityLog: SecurityLog;
  issuer: TokenIssuer;
  signIn: SignIn;
}

/** Forgotten password (code by mail) and a signed-in password change. */
export class PasswordService {
  constructor(private readonly deps: PasswordDeps) {}

  async requestReset(em: EntityManager, rawEmail: unknown, locale: Locale | null): Promise<true> {
    const started = Date.now();
    const email = parseEmail(rawEmail);
    const { codes, mailer, budgets } = this.deps;
    return quietCodeRequest(
      em,
      budgets,
      'password_reset',
      email,
      async (tx) => {
        // Only verified accounts can reset; anyone else gets the same `true` and no mail.
        const user = await tx.findOne(User, { email, emailVerified: true });
        if (!user || !(await budgets.takeCodeMail(email))) return;
        const issued = await codes.issue(tx, user.id, CodePurpose.PasswordReset);
        if (locale) user.locale = locale;
        mailer.passwordResetCode(tx, user, issued);
      },
      started,
    );
  }

  /** Sets a new password with the mailed code; every session ends and a fresh one starts. */
  async reset(em: EntityManager, input: { email: unknown; code: unknown; newPassword: unknown }, client: ClientInfo): Promise<IssuedToken> {
    const email = parseEmail(input.email);
    const code = parseCode(input.code);
    const password = checkPassword(input.newPassword, email, 'newPassword', this.deps.settings.passwordMinLength);
    const { codes, hasher, mailer, sessions, securityLog, signIn } = this.deps;
    const passwordHash = await hasher.hash(password);
    const outcome = await em.transactional(async (tx) => {
      const user = await tx.findOne(User, { email, emailVerified: true }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      const check = await codes.check(tx, user?.id ?? null, CodePurpose.PasswordReset, code, client);
      if (!check.ok) return check;
      const owner = user!;
      // The code proved the mailbox; a disabled account still gets no session (and keeps its password).
      if (owner.disabled) return { ok: false as const, error: new AccountDisabledError() };
      owner.passwordHash = passwordHash;
      // Whatever was mailed or begun under the old credentials is dead now.
      await codes.spendAll(tx, owner.id);
      await signIn.cancelPending(tx, owner.id);
      await sessions.revokeAll(tx, owner.id, 'password_reset');
      // The new password is set either way; with a second factor the new session waits for it.
      const step = await signIn.open(tx, viewerUserOf(owner), client, ['pwd']);
      await securityLog.record(tx, { userId: owner.id, type: SecurityEventType.PASSWORD_RESET, client, sessionId: step.session?.sessionId ?? null });
      mailer.passwordChanged(tx, owner);
      return { ok: true as const, step };
    });
    if (!outcome.ok) throw outcome.noLiveCode ? await this.deps.budgets.wrongCodeWithoutCode('password_reset', email) : outcome.error;
    return signIn.finish(outcome.step);
  }

  /** Needs the current password; ends every other session and reissues this one's pair. */
  async change(em: EntityManager, viewer: Viewer, input: { currentPassword: unknown; newPassword: unknown }, client: ClientInfo): Promise<IssuedToken> {
    const { hasher, mailer, sessions, securityLog, issuer } = this.deps;
    const userId = viewer.user.id;
    const user = await em.findOneOrFail(User, userId, { populate: ['passwordHash'] });
    const current = typeof input.currentPassword === 'string' ? input.currentPassword : '';
    if (!user.passwordHash || !(await hasher.verify(user.passwordHash, current))) {
      // A change from another session may have replaced the hash and ended this session
      // while we hashed: that is the answer, not a wrong password.
      if ((await sessions.ownerOf(em, viewer.sessionId, { liveOnly: true })) !== userId) throw new SessionRevokedError();
      await em.transactional((tx) => securityLog.record(tx, { userId, type: SecurityEventType.LOGIN_FAILED, client, sessionId: viewer.sessionId }));
      throw new InvalidCredentialsError();
    }
    const passwordHash = await hasher.hash(checkPassword(input.newPassword, user.email, 'newPassword', this.deps.settings.passwordMinLength));
    const session = await em.transactional(async (tx) => {
      // One change at a time per account: a second one waits here, then finds its session
      // ended by the first and fails, instead of both answering with pairs the other killed.
      const locked = await tx.findOneOrFail(User, userId, { lockMode: LockMode.PESSIMISTIC_WRITE, populate: ['passwordHash'] });
      if ((await sessions.ownerOf(tx, viewer.sessionId, { liveOnly: true })) !== userId) throw new SessionRevokedError();
      locked.passwordHash = passwordHash;
      await this.deps.codes.spendAll(tx, userId);
      await this.deps.signIn.cancelPending(tx, userId);
      await sessions.revokeAll(tx, userId, 'password_change', viewer.sessionId);
      const reissued = await sessions.reissue(tx, viewer.sessionId, viewerUserOf(locked), client);
      await securityLog.record(tx, { userId, type: SecurityEventType.PASSWORD_CHANGED, client, sessionId: viewer.sessionId });
      mailer.passwordChanged(tx, locked);
      return reissued;
    });
    return issuer.issue(session);
  }
}
