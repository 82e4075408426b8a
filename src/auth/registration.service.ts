import { LockMode, UniqueConstraintViolationException, type EntityManager } from '@mikro-orm/postgresql';
import type { Locale } from '../config';
import { CodePurpose } from '../codes/code.entity';
import { EmailTakenError } from '../errors';
import type { ClientInfo } from '../sessions/session.service';
import { recordEvent, SecurityEventType } from '../security/security-log';
import { User } from '../users/user.entity';
import type { RegisterPayload, Token } from './auth.types';
import { checkPassword } from './password-policy';
import type { AuthDeps } from './auth.deps';
import { toToken } from './token-issuer';
import { parseCode, parseEmail } from './validation';

/** register → emailed code → verifyEmail (which logs the person in), and resending the code. */
export class RegistrationService {
  constructor(private readonly deps: AuthDeps) {}

  async register(em: EntityManager, input: { email: unknown; password: unknown }, locale: Locale, client: ClientInfo): Promise<RegisterPayload> {
    const email = parseEmail(input.email);
    const password = checkPassword(input.password, email);
    // Hash before the transaction: argon2 is the slow part and must not hold row locks.
    const passwordHash = await this.deps.hasher.hash(password);
    try {
      return await this.registerOnce(em, email, passwordHash, locale, client);
    } catch (error) {
      // Two registrations of a new address raced; the loser replaces the winner's pending row.
      if (error instanceof UniqueConstraintViolationException) return this.registerOnce(em, email, passwordHash, locale, client);
      throw error;
    }
  }

  private registerOnce(em: EntityManager, email: string, passwordHash: string, locale: Locale, client: ClientInfo): Promise<RegisterPayload> {
    const { config, codes, outbox } = this.deps;
    return em.transactional(async (tx) => {
      const existing = await tx.findOne(User, { email }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (existing?.emailVerified) {
        if (config.revealEmailTaken) throw new EmailTakenError();
        // Same answer as a new registration, so the response does not reveal the account;
        // the owner learns of the attempt by mail instead.
        outbox.enqueue(tx, { kind: 'registration-attempt', to: existing.email, locale: existing.locale });
        return this.unsentPayload(email);
      }
      const user = existing ?? tx.create(User, { email, passwordHash, locale } as User);
      user.passwordHash = passwordHash;
      user.locale = locale;
      await tx.flush();
      recordEvent(tx, user, SecurityEventType.REGISTERED, client);
      const issued = await codes.issue(tx, user, CodePurpose.EmailVerification, false);
      outbox.enqueue(tx, { kind: 'verification-code', to: email, locale, code: issued.code, expiresInMinutes: this.codeMinutes() });
      return { email, codeExpiresAt: issued.expiresAt, resendAvailableAt: issued.resendAvailableAt };
    });
  }

  async resendVerificationCode(em: EntityManager, rawEmail: unknown, locale: Locale | null): Promise<RegisterPayload> {
    const email = parseEmail(rawEmail);
    const { codes, outbox } = this.deps;
    return em.transactional(async (tx) => {
      const user = await tx.findOne(User, { email, emailVerified: false });
      // Unknown and already verified addresses get the usual answer and no mail.
      if (!user) return this.unsentPayload(email);
      const issued = await codes.issue(tx, user, CodePurpose.EmailVerification, true);
      if (locale) user.locale = locale;
      outbox.enqueue(tx, { kind: 'verification-code', to: email, locale: user.locale, code: issued.code, expiresInMinutes: this.codeMinutes() });
      return { email, codeExpiresAt: issued.expiresAt, resendAvailableAt: issued.resendAvailableAt };
    });
  }

  async verifyEmail(em: EntityManager, input: { email: unknown; code: unknown }, client: ClientInfo): Promise<Token> {
    const email = parseEmail(input.email);
    const code = parseCode(input.code);
    const { codes, sessions, tokens } = this.deps;
    const outcome = await em.transactional(async (tx) => {
      const user = await tx.findOne(User, { email, emailVerified: false });
      const check = await codes.check(tx, user, CodePurpose.EmailVerification, code, client);
      if (!check.ok) return check;
      const { user: owner } = check;
      owner.emailVerified = true;
      const issued = await sessions.start(tx, owner, client);
      recordEvent(tx, owner, SecurityEventType.EMAIL_VERIFIED, client, issued.sessionId);
      recordEvent(tx, owner, SecurityEventType.LOGIN_SUCCEEDED, client, issued.sessionId);
      return { ok: true as const, issued };
    });
    // A failed try is thrown only now, after its attempt count has committed.
    if (!outcome.ok) throw outcome.error;
    return toToken(tokens, outcome.issued);
  }

  private unsentPayload(email: string): RegisterPayload {
    const now = Date.now();
    const { ttl, resendCooldown } = this.deps.config.codes;
    return { email, codeExpiresAt: new Date(now + ttl * 1000), resendAvailableAt: new Date(now + resendCooldown * 1000) };
  }

  private codeMinutes(): number {
    return Math.ceil(this.deps.config.codes.ttl / 60);
  }
}
