import { LockMode, UniqueConstraintViolationException, type EntityManager } from '@mikro-orm/postgresql';
import type { AddressBudgets } from '../abuse/address-budgets';
import type { Locale } from '../config';
import { parseCode } from '../codes/code-format';
import { CodePurpose, type CodeStore } from '../codes/code.store';
import type { PasswordHasher } from '../crypto/password-hasher';
import { AccountDisabledError, EmailTakenError } from '../errors';
import type { Mailer } from '../mail/mailer';
import { SecurityEventType, type SecurityLog } from '../security/security-log';
import type { SessionStore } from '../sessions/session.store';
import { viewerUserOf } from '../users/user.columns';
import { parseEmail } from '../users/email-address';
import { User } from '../users/user.entity';
import { UNKNOWN_CLIENT, type ClientInfo, type ViewerUser } from '../viewer/viewer';
import { checkPassword } from './password-policy';
import type { SignIn } from './sign-in';
import type { IssuedToken, TokenIssuer } from './token-issuer';

export interface RegistrationDeps {
  budgets: AddressBudgets;
  settings: { revealEmailTaken: boolean; codeTtl: number; resendCooldown: number; passwordMinLength: number };
  codes: CodeStore;
  hasher: PasswordHasher;
  mailer: Mailer;
  sessions: SessionStore;
  securityLog: SecurityLog;
  issuer: TokenIssuer;
  signIn: SignIn;
}

/** A code is on its way to this address (or, for an address already taken, looks as if it were). */
export interface RegistrationReceipt {
  email: string;
  codeExpiresAt: Date;
  resendAvailableAt: Date;
}

/**
 * register → emailed code → verifyEmail (which signs the person in), and resending the code.
 *
 * A code proves control of the mailbox, not who chose the password. So a pending registration
 * that sees attempts with different passwords (whoever came first) is *contested*: the code
 * still verifies the address and signs in whoever enters it, but none of those passwords ever
 * becomes usable; the owner chooses one through the reset flow. The same person registering
 * twice with the same password is no contest.
 */
export class RegistrationService {
  constructor(private readonly deps: RegistrationDeps) {}

  async register(em: EntityManager, input: { email: unknown; password: unknown }, locale: Locale, client: ClientInfo): Promise<RegistrationReceipt> {
    const email = parseEmail(input.email);
    const password = checkPassword(input.password, email, 'password', this.deps.settings.passwordMinLength);
    // Hash before the transaction: argon2 is the slow part and must not hold row locks.
    const passwordHash = await this.deps.hasher.hash(password);
    try {
      return await this.registerOnce(em, email, password, passwordHash, locale, client);
    } catch (error) {
      // Two registrations of a new address raced: the loser joins the winner's pending row.
      if (error instanceof UniqueConstraintViolationException) return this.registerOnce(em, email, password, passwordHash, locale, client);
      throw error;
    }
  }

  private async registerOnce(
    em: EntityManager,
    email: string,
    password: string,
    passwordHash: string,
    locale: Locale,
    client: ClientInfo,
  ): Promise<RegistrationReceipt> {
    const { settings, codes, hasher, mailer, securityLog, budgets } = this.deps;
    const receipt = await em.transactional(async (tx) => {
      const existing = await tx.findOne(User, { email }, { lockMode: LockMode.PESSIMISTIC_WRITE, populate: ['passwordHash'] });
      if (existing?.emailVerified) {
        if (settings.revealEmailTaken) throw new EmailTakenError();
        // Same answer as a new registration, so the response does not reveal the account;
        // the owner learns of the attempt by mail instead (within a notice budget of its own).
        if (await budgets.takeNotice(email)) mailer.registrationAttempt(tx, existing);
        return this.unsentReceipt(email);
      }
      let contested = existing?.registrationContested ?? false;
      if (existing && !contested) {
        // Another attempt on a pending address: the same person again, or someone else.
        contested = !(existing.passwordHash && (await hasher.verify(existing.passwordHash, password)));
      }
      const user = existing ?? tx.create(User, { email, passwordHash, locale });
      if (contested) {
        user.registrationContested = true;
        user.passwordHash = null;
      }
      user.locale = locale;
      await tx.flush();
      await securityLog.record(tx, { userId: user.id, type: SecurityEventType.REGISTERED, client });
      const issued = await codes.issue(tx, user.id, CodePurpose.EmailVerification);
      if (await budgets.takeCodeMail(email)) mailer.verificationCode(tx, { email, locale }, issued, contested);
      return { email, codeExpiresAt: issued.expiresAt, resendAvailableAt: issued.resendAvailableAt };
    });
    await budgets.codeAsked('email_verification', email);
    return receipt;
  }

  async resendVerificationCode(em: EntityManager, rawEmail: unknown, locale: Locale | null): Promise<RegistrationReceipt> {
    const email = parseEmail(rawEmail);
    const { codes, mailer, budgets } = this.deps;
    // The cooldown runs for any address a code was asked for, so it reveals no account.
    await budgets.checkCooldown('email_verification', email);
    const receipt = await em.transactional(async (tx) => {
      const user = await tx.findOne(User, { email, emailVerified: false });
      // Unknown and already verified addresses get the usual answer and no mail.
      if (!user) return this.unsentReceipt(email);
      const issued = await codes.issue(tx, user.id, CodePurpose.EmailVerification);
      if (locale) user.locale = locale;
      if (await budgets.takeCodeMail(email)) mailer.verificationCode(tx, user, issued, user.registrationContested);
      return { email, codeExpiresAt: issued.expiresAt, resendAvailableAt: issued.resendAvailableAt };
    });
    await budgets.codeAsked('email_verification', email);
    return receipt;
  }

  async verifyEmail(em: EntityManager, input: { email: unknown; code: unknown }, client: ClientInfo): Promise<IssuedToken> {
    const email = parseEmail(input.email);
    const code = parseCode(input.code);
    const { codes, securityLog, signIn } = this.deps;
    const outcome = await em.transactional(async (tx) => {
      const user = await tx.findOne(User, { email, emailVerified: false }, { populate: ['passwordHash'] });
      const check = await codes.check(tx, user?.id ?? null, CodePurpose.EmailVerification, code, client);
      if (!check.ok) return check;
      const owner = user!;
      if (owner.disabled) return { ok: false as const, error: new AccountDisabledError() };
      owner.emailVerified = true;
      owner.registrationContested = false;
      // The person chose the password and proved the mailbox: a password sign-in.
      const step = await signIn.open(tx, viewerUserOf(owner), client, ['pwd']);
      const sessionId = step.session?.sessionId ?? null;
      await securityLog.record(tx, { userId: owner.id, type: SecurityEventType.EMAIL_VERIFIED, client, sessionId });
      if (sessionId) await securityLog.record(tx, { userId: owner.id, type: SecurityEventType.LOGIN_SUCCEEDED, client, sessionId });
      return { ok: true as const, step };
    });
    // A failed try is thrown only now, after its attempt count has committed; with no code to
    // check, the answer is the one a guessed code would give, so it tells no account apart.
    if (!outcome.ok) throw outcome.noLiveCode ? await this.deps.budgets.wrongCodeWithoutCode('email_verification', email) : outcome.error;
    return signIn.finish(outcome.step);
  }

  /**
   * A verified account made by an operator (`npm run user:create`), with the same address and
   * password rules and the same timeline as a registration. A pending registration for the
   * address is taken over: its password is replaced and it is verified.
   */
  async createVerified(em: EntityManager, input: { email: unknown; password: unknown }, client: ClientInfo = UNKNOWN_CLIENT): Promise<ViewerUser> {
    const email = parseEmail(input.email);
    const passwordHash = await this.deps.hasher.hash(checkPassword(input.password, email, 'password', this.deps.settings.passwordMinLength));
    const { securityLog } = this.deps;
    return em.transactional(async (tx) => {
      const existing = await tx.findOne(User, { email }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (existing?.emailVerified) throw new EmailTakenError();
      const user = existing ?? tx.create(User, { email, passwordHash });
      user.passwordHash = passwordHash;
      user.emailVerified = true;
      user.registrationContested = false;
      await tx.flush();
      await securityLog.record(tx, { userId: user.id, type: SecurityEventType.REGISTERED, client });
      await securityLog.record(tx, { userId: user.id, type: SecurityEventType.EMAIL_VERIFIED, client });
      return viewerUserOf(user);
    });
  }

  private unsentReceipt(email: string): RegistrationReceipt {
    const now = Date.now();
    const { codeTtl, resendCooldown } = this.deps.settings;
    return { email, codeExpiresAt: new Date(now + codeTtl * 1000), resendAvailableAt: new Date(now + resendCooldown * 1000) };
  }
}
