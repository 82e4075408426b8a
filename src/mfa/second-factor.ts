import type { EntityManager } from '@mikro-orm/postgresql';
import type { SealRing } from '../crypto/seal';
import { BadUserInputError } from '../errors';
import { SecurityEventType, type SecurityLog } from '../security/security-log';
import type { ClientInfo } from '../viewer/viewer';
import type { MfaFactorStore } from './factor.store';
import { normalizeRecoveryCode, recoveryCodeDigest } from './recovery-codes';
import { matchTotp } from './totp';

/** Whether an account has a passkey: a second factor, so its recovery codes stay a way back in. */
export interface PasskeyPresence {
  hasPasskey(em: EntityManager, userId: string): Promise<boolean>;
}

/** A code as typed: six digits from the app, or a recovery code. */
export type SecondFactorCode = { kind: 'totp'; code: string } | { kind: 'recovery'; normalized: string };

/** Reads a second-factor code; BAD_USER_INPUT for anything that can be neither. */
export function parseSecondFactorCode(value: unknown, field = 'code'): SecondFactorCode {
  if (typeof value === 'string' && value.length <= 64) {
    const trimmed = value.trim();
    if (/^\d{6}$/.test(trimmed)) return { kind: 'totp', code: trimmed };
    const normalized = normalizeRecoveryCode(trimmed);
    if (normalized) return { kind: 'recovery', normalized };
  }
  throw new BadUserInputError(field, 'Code must be the 6 digits from your authenticator app or one of your recovery codes');
}

/** Where the TOTP secret of an account is sealed: the account id is bound in, so a box moved to another row does not open. */
export function totpSealContext(userId: string): string {
  return `totp:${userId}`;
}

/**
 * Checks a second factor of an account: a TOTP code (its time step accepted once) or an unused
 * recovery code (spent; accepted while the account has TOTP or a passkey). Runs in the caller's transaction, so what it spends commits with what
 * it unlocks. Returns what passed, or null for a wrong, replayed or spent code.
 */
export class SecondFactor {
  constructor(
    private readonly deps: { factors: MfaFactorStore; passkeys: PasskeyPresence; seal: SealRing; recoverySecret: Buffer; securityLog: SecurityLog },
  ) {}

  async verify(em: EntityManager, userId: string, code: SecondFactorCode, client: ClientInfo, sessionId?: string): Promise<'totp' | 'recovery' | null> {
    const { factors, seal, recoverySecret, securityLog } = this.deps;
    if (code.kind === 'recovery') {
      // Recovery codes stand in for the TOTP app or the passkeys, while the account has either.
      if (!(await factors.hasActiveFactor(em, userId)) && !(await this.deps.passkeys.hasPasskey(em, userId))) return null;
      if (!(await factors.useRecoveryCode(em, userId, recoveryCodeDigest(recoverySecret, userId, code.normalized)))) return null;
      await securityLog.record(em, { userId, type: SecurityEventType.RECOVERY_CODE_USED, client, sessionId });
      return 'recovery';
    }
    const stored = await factors.findTotp(em, userId);
    if (!stored?.confirmed) return null;
    const opened = seal.open(stored.secretSealed, totpSealContext(userId));
    if (!opened) throw new Error('the TOTP secret does not open under ENCRYPTION_KEY or ENCRYPTION_KEY_PREVIOUS');
    const step = matchTotp(opened.plaintext, code.code);
    if (step === null || !(await factors.acceptStep(em, userId, step))) return null;
    if (opened.stale) await factors.reseal(em, userId, seal.seal(opened.plaintext, totpSealContext(userId)));
    return 'totp';
  }
}
