import type { EntityManager } from '@mikro-orm/postgresql';
import type { CodeConfig } from '../config';
import { hmacSha256, sameDigest } from '../crypto/digest';
import { sixDigitCode } from '../crypto/random';
import { sql, sqlCount } from '../db/sql';
import { CodeExpiredError, InvalidCodeError, TooManyAttemptsError, type ClientError } from '../errors';
import { SecurityEventType, type SecurityLog } from '../security/security-log';
import type { ClientInfo } from '../viewer/viewer';
import { CodePurpose } from './code.entity';

export { CodePurpose };

export interface IssuedCode {
  /** The plain code; it goes into the mail and nowhere else. */
  code: string;
  expiresAt: Date;
  resendAvailableAt: Date;
}

/**
 * The outcome of checking a code; a failure is returned, not thrown, so its count commits.
 * `noLiveCode`: there was no code to check (no such account, none asked, or spent).
 */
export type CodeCheck = { ok: true } | { ok: false; error: ClientError; noLiveCode?: true };

/**
 * One-time codes: HMAC-SHA256 at rest under CODE_SECRET, bound to the user and purpose,
 * compared in constant time, single use, one live code per user and purpose, and wrong tries
 * counted by one atomic UPDATE so parallel guesses cannot get past the limit.
 */
export class CodeStore {
  constructor(
    private readonly settings: CodeConfig,
    private readonly securityLog: SecurityLog,
  ) {}

  /**
   * Replaces the user's live code for this purpose with a new one, in the caller's unit of
   * work. (The resend cooldown is kept per address, account or not: abuse/address-budgets.ts.)
   */
  async issue(em: EntityManager, userId: string, purpose: CodePurpose): Promise<IssuedCode> {
    const code = sixDigitCode();
    const [row] = await sql<{ expires_at: Date; resend_available_at: Date }>(
      em,
      `insert into codes (id, user_id, purpose, code_hash, attempts, created_at, expires_at, resend_available_at, consumed_at)
       values (gen_random_uuid(), ?, ?, ?, 0, now(), now() + make_interval(secs => ?), now() + make_interval(secs => ?), null)
       on conflict (user_id, purpose) do update
          set code_hash = excluded.code_hash, attempts = 0, created_at = now(), consumed_at = null,
              expires_at = excluded.expires_at, resend_available_at = excluded.resend_available_at
       returning expires_at, resend_available_at`,
      [userId, purpose, this.digest(userId, purpose, code), this.settings.ttl, this.settings.resendCooldown],
    );
    return { code, expiresAt: new Date(row.expires_at), resendAvailableAt: new Date(row.resend_available_at) };
  }

  /**
   * Counts one try and, when the code matches, consumes it. Call inside a transaction that
   * also performs what the code unlocks, so both commit together. The try that uses up the
   * last attempt is recorded on the person's security timeline. No user: INVALID_CODE.
   */
  async check(em: EntityManager, userId: string | null, purpose: CodePurpose, code: string, client: ClientInfo): Promise<CodeCheck> {
    if (!userId) return { ok: false, error: new InvalidCodeError(), noLiveCode: true };
    const [row] = await sql<{ id: string; code_hash: Buffer; expired: boolean; attempts: number }>(
      em,
      `update codes set attempts = attempts + 1
        where user_id = ? and purpose = ? and consumed_at is null and attempts < ?
        returning id, code_hash, expires_at <= now() as expired, attempts`,
      [userId, purpose, this.settings.maxAttempts],
    );
    if (!row) {
      const [dead] = await sql(em, 'select 1 as n from codes where user_id = ? and purpose = ? and consumed_at is null', [userId, purpose]);
      return dead ? { ok: false, error: new TooManyAttemptsError() } : { ok: false, error: new InvalidCodeError(), noLiveCode: true };
    }
    if (row.expired) return { ok: false, error: new CodeExpiredError() };
    const attemptsLeft = this.settings.maxAttempts - row.attempts;
    if (!sameDigest(Buffer.from(row.code_hash), this.digest(userId, purpose, code))) {
      if (attemptsLeft > 0) return { ok: false, error: new InvalidCodeError(attemptsLeft) };
      await this.securityLog.record(em, { userId, type: SecurityEventType.CODE_LOCKED_OUT, client });
      return { ok: false, error: new TooManyAttemptsError() };
    }
    await sqlCount(em, 'update codes set consumed_at = now() where id = ?', [row.id]);
    return { ok: true };
  }

  /** Spends every outstanding code of the account, of every purpose: its credentials changed. */
  spendAll(em: EntityManager, userId: string): Promise<number> {
    return sqlCount(em, 'update codes set consumed_at = now() where user_id = ? and consumed_at is null', [userId]);
  }

  /** Deletes up to `limit` codes that were used or expired; returns how many. */
  purgeSpent(em: EntityManager, limit: number): Promise<number> {
    return sqlCount(
      em,
      `delete from codes where id in (select id from codes where consumed_at is not null or expires_at < now() limit ? for update skip locked)`,
      [limit],
    );
  }

  private digest(userId: string, purpose: CodePurpose, code: string): Buffer {
    return hmacSha256(this.settings.secret, `${purpose}:${userId}:${code}`);
  }
}
