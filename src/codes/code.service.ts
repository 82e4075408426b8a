import { LockMode, type EntityManager } from '@mikro-orm/postgresql';
import type { Config } from '../config';
import { hmacSha256, sameDigest, sixDigitCode } from '../crypto/random';
import {
  CodeExpiredError,
  InvalidCodeError,
  RateLimitedError,
  TooManyAttemptsError,
  type ClientError,
} from '../errors';
import { recordEvent, SecurityEventType } from '../security/security-log';
import type { ClientInfo } from '../sessions/session.service';
import type { User } from '../users/user.entity';
import { Code, CodePurpose } from './code.entity';

export interface IssuedCode {
  /** The plain code; it goes into the mail and nowhere else. */
  code: string;
  expiresAt: Date;
  resendAvailableAt: Date;
}

/** The outcome of checking a code; a failure is returned, not thrown, so its count commits. */
export type CodeCheck = { ok: true; user: User } | { ok: false; error: ClientError };

/**
 * One-time codes: HMAC-SHA256 at rest, bound to the user and purpose, compared in constant
 * time, single use, and with wrong tries counted by one atomic UPDATE so parallel guesses
 * cannot get past the limit.
 */
export class CodeService {
  constructor(private readonly settings: Config['codes']) {}

  /**
   * Replaces the user's live code for this purpose with a new one, in the caller's
   * transaction. With `honourCooldown`, refuses while the previous code's cooldown runs.
   */
  async issue(em: EntityManager, user: User, purpose: CodePurpose, honourCooldown: boolean): Promise<IssuedCode> {
    const now = new Date();
    const existing = await em.findOne(Code, { user, purpose }, { lockMode: LockMode.PESSIMISTIC_WRITE });
    if (honourCooldown && existing && !existing.consumedAt && existing.resendAvailableAt > now) {
      throw new RateLimitedError(Math.ceil((existing.resendAvailableAt.getTime() - now.getTime()) / 1000));
    }
    const code = sixDigitCode();
    const row = existing ?? em.create(Code, { user, purpose } as Code);
    row.codeHash = this.digest(user.id, purpose, code);
    row.attempts = 0;
    row.createdAt = now;
    row.consumedAt = null;
    row.expiresAt = new Date(now.getTime() + this.settings.ttl * 1000);
    row.resendAvailableAt = new Date(now.getTime() + this.settings.resendCooldown * 1000);
    em.persist(row);
    await em.flush();
    return { code, expiresAt: row.expiresAt, resendAvailableAt: row.resendAvailableAt };
  }

  /**
   * Counts one try and, when the code matches, consumes it. Call inside a transaction
   * that also performs what the code unlocks, so both commit together. The try that uses
   * up the last attempt is recorded on the person's security timeline.
   */
  async check(em: EntityManager, user: User | null, purpose: CodePurpose, code: string, client: ClientInfo): Promise<CodeCheck> {
    if (!user) return { ok: false, error: new InvalidCodeError() };
    const connection = em.getConnection();
    const [row] = await connection.execute<{ id: string; code_hash: Buffer; expires_at: Date; attempts: number }[]>(
      `update codes set attempts = attempts + 1
        where user_id = ? and purpose = ? and consumed_at is null and attempts < ?
        returning id, code_hash, expires_at, attempts`,
      [user.id, purpose, this.settings.maxAttempts],
      'all',
      em.getTransactionContext(),
    );
    if (!row) {
      const [dead] = await connection.execute<{ n: number }[]>(
        'select 1 as n from codes where user_id = ? and purpose = ? and consumed_at is null',
        [user.id, purpose],
        'all',
        em.getTransactionContext(),
      );
      return { ok: false, error: dead ? new TooManyAttemptsError() : new InvalidCodeError() };
    }
    if (new Date(row.expires_at) <= new Date()) return { ok: false, error: new CodeExpiredError() };
    const attemptsLeft = this.settings.maxAttempts - row.attempts;
    if (!sameDigest(Buffer.from(row.code_hash), this.digest(user.id, purpose, code))) {
      if (attemptsLeft > 0) return { ok: false, error: new InvalidCodeError(attemptsLeft) };
      recordEvent(em, user, SecurityEventType.CODE_LOCKED_OUT, client);
      return { ok: false, error: new TooManyAttemptsError() };
    }
    await connection.execute('update codes set consumed_at = now() where id = ?', [row.id], 'run', em.getTransactionContext());
    return { ok: true, user };
  }

  private digest(userId: string, purpose: CodePurpose, code: string): Buffer {
    return hmacSha256(this.settings.secret, `${purpose}:${userId}:${code}`);
  }
}
