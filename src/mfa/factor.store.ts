import type { EntityManager } from '@mikro-orm/postgresql';
import { sql, sqlCount } from '../db/sql';

/** An account's TOTP factor as stored: the sealed secret, and whether it is confirmed. */
export interface StoredTotp {
  secretSealed: Buffer;
  confirmed: boolean;
}

/** What `User.mfa` shows. */
export interface MfaFactors {
  totp: boolean;
  recoveryCodesLeft: number;
}

/**
 * The only SQL on `mfa_totp_factors` and `mfa_recovery_codes`, in the caller's unit of work.
 * Accepting a code is one UPDATE guarded by the last accepted step, so two requests with the
 * same code cannot both pass.
 */
export class MfaFactorStore {
  /** Replaces a pending factor (or creates one); false when a confirmed factor is in place. */
  async savePending(em: EntityManager, userId: string, secretSealed: Buffer): Promise<boolean> {
    const written = await sqlCount(
      em,
      `insert into mfa_totp_factors (user_id, secret_sealed, confirmed_at, last_step, created_at) values (?, ?, null, 0, now())
       on conflict (user_id) do update set secret_sealed = excluded.secret_sealed, last_step = 0, created_at = now()
        where mfa_totp_factors.confirmed_at is null`,
      [userId, secretSealed],
    );
    return written > 0;
  }

  async findTotp(em: EntityManager, userId: string): Promise<StoredTotp | null> {
    const [row] = await sql<{ secret_sealed: Buffer; confirmed: boolean }>(
      em,
      'select secret_sealed, confirmed_at is not null as confirmed from mfa_totp_factors where user_id = ?',
      [userId],
    );
    return row ? { secretSealed: Buffer.from(row.secret_sealed), confirmed: row.confirmed } : null;
  }

  /** True when the account has a confirmed second factor (every sign-in then asks for it). */
  async hasActiveFactor(em: EntityManager, userId: string): Promise<boolean> {
    const [row] = await sql(em, 'select 1 as n from mfa_totp_factors where user_id = ? and confirmed_at is not null', [userId]);
    return row !== undefined;
  }

  /**
   * Accepts the code of time `step` once: true only if no code of this step or a later one was
   * accepted before. `confirming`: the pending factor becomes active with it.
   */
  async acceptStep(em: EntityManager, userId: string, step: number, confirming = false): Promise<boolean> {
    const state = confirming ? 'confirmed_at is null' : 'confirmed_at is not null';
    const accepted = await sqlCount(
      em,
      `update mfa_totp_factors set last_step = ?, confirmed_at = coalesce(confirmed_at, now())
        where user_id = ? and ${state} and last_step < ?`,
      [step, userId, step],
    );
    return accepted > 0;
  }

  /** Seals the secret anew (after ENCRYPTION_KEY rotated). */
  async reseal(em: EntityManager, userId: string, secretSealed: Buffer): Promise<void> {
    await sqlCount(em, 'update mfa_totp_factors set secret_sealed = ? where user_id = ?', [secretSealed, userId]);
  }

  /** Removes the factor, and its recovery codes unless `keepRecoveryCodes`; false when there was no confirmed factor. */
  async remove(em: EntityManager, userId: string, keepRecoveryCodes = false): Promise<boolean> {
    if (!keepRecoveryCodes) await this.removeRecoveryCodes(em, userId);
    const [row] = await sql<{ confirmed: boolean }>(em, 'delete from mfa_totp_factors where user_id = ? returning confirmed_at is not null as confirmed', [
      userId,
    ]);
    return row?.confirmed ?? false;
  }

  async removeRecoveryCodes(em: EntityManager, userId: string): Promise<void> {
    await sqlCount(em, 'delete from mfa_recovery_codes where user_id = ?', [userId]);
  }

  /** Replaces every recovery code of the account with these digests. */
  async replaceRecoveryCodes(em: EntityManager, userId: string, digests: readonly Buffer[]): Promise<void> {
    await sqlCount(em, 'delete from mfa_recovery_codes where user_id = ?', [userId]);
    const values = digests.map(() => '(gen_random_uuid(), ?, ?, now(), null)').join(', ');
    await sqlCount(
      em,
      `insert into mfa_recovery_codes (id, user_id, code_hash, created_at, used_at) values ${values}`,
      digests.flatMap((digest) => [userId, digest]),
    );
  }

  /** Spends the unused recovery code with this digest; false when there is none. */
  async useRecoveryCode(em: EntityManager, userId: string, digest: Buffer): Promise<boolean> {
    const used = await sqlCount(em, 'update mfa_recovery_codes set used_at = now() where user_id = ? and code_hash = ? and used_at is null', [userId, digest]);
    return used > 0;
  }

  async factors(em: EntityManager, userId: string): Promise<MfaFactors> {
    const [row] = await sql<{ totp: boolean; codes_left: number | string }>(
      em,
      `select exists (select 1 from mfa_totp_factors where user_id = ? and confirmed_at is not null) as totp,
              (select count(*) from mfa_recovery_codes where user_id = ? and used_at is null)::int as codes_left`,
      [userId, userId],
    );
    return { totp: row.totp, recoveryCodesLeft: Number(row.codes_left) };
  }
}
