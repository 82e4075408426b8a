import { LockMode, type EntityManager } from '@mikro-orm/postgresql';
import type { SealRing } from '../crypto/seal';
import { BadUserInputError, ForbiddenError, InvalidCodeError } from '../errors';
import type { Mailer } from '../mail/mailer';
import { SecurityEventType, type SecurityLog } from '../security/security-log';
import { User } from '../users/user.entity';
import type { ClientInfo, Viewer } from '../viewer/viewer';
import type { MfaFactorStore, MfaFactors } from './factor.store';
import { newRecoveryCodes, normalizeRecoveryCode, recoveryCodeDigest } from './recovery-codes';
import { totpSealContext, type PasskeyPresence } from './second-factor';
import type { MfaTicketStore } from './ticket.store';
import { base32, matchTotp, newTotpSecret, qrCodeSvg, totpUri } from './totp';

export interface MfaDeps {
  settings: { appName: string };
  factors: MfaFactorStore;
  passkeys: PasskeyPresence;
  tickets: MfaTicketStore;
  seal: SealRing;
  /** Keys the recovery-code digests (CODE_SECRET). */
  recoverySecret: Buffer;
  securityLog: SecurityLog;
  mailer: Mailer;
}

/** What an authenticator app needs to add the account: shown once, while the factor is pending. */
export interface TotpEnrollment {
  secret: string;
  uri: string;
  qrCodeSvg: string;
}

/** A second factor for the signed-in person: enrol TOTP, turn it off, new recovery codes, status. */
export class MfaService {
  constructor(private readonly deps: MfaDeps) {}

  /** A new pending TOTP secret (replacing a pending one); FORBIDDEN while one is active. */
  async startTotpEnrollment(em: EntityManager, viewer: Viewer): Promise<TotpEnrollment> {
    const { factors, seal, settings } = this.deps;
    const userId = viewer.user.id;
    const secret = newTotpSecret();
    const saved = await em.transactional((tx) => factors.savePending(tx, userId, seal.seal(secret, totpSealContext(userId))));
    if (!saved) throw new ForbiddenError('Two-step verification is already on; turn it off first to enrol another app');
    const uri = totpUri(secret, settings.appName, viewer.user.email);
    return { secret: base32(secret), uri, qrCodeSvg: qrCodeSvg(uri) };
  }

  /** A right code from the app activates the pending factor; returns 10 recovery codes, shown this once. */
  async confirmTotpEnrollment(em: EntityManager, viewer: Viewer, rawCode: unknown, client: ClientInfo): Promise<string[]> {
    if (typeof rawCode !== 'string' || !/^\d{6}$/.test(rawCode.trim())) {
      throw new BadUserInputError('code', 'Code must be the 6 digits from your authenticator app');
    }
    const code = rawCode.trim();
    const { factors, seal, securityLog, mailer } = this.deps;
    const userId = viewer.user.id;
    const codes = newRecoveryCodes();
    const activated = await em.transactional(async (tx) => {
      const stored = await factors.findTotp(tx, userId);
      if (!stored || stored.confirmed) {
        throw new BadUserInputError('code', 'No enrollment is pending: call startTotpEnrollment first', { reason: 'NO_PENDING_ENROLLMENT' });
      }
      const secret = seal.open(stored.secretSealed, totpSealContext(userId));
      const step = secret ? matchTotp(secret.plaintext, code) : null;
      if (step === null || !(await factors.acceptStep(tx, userId, step, true))) return false;
      await this.storeRecoveryCodes(tx, userId, codes);
      await securityLog.record(tx, { userId, type: SecurityEventType.MFA_ENABLED, client, sessionId: viewer.sessionId });
      mailer.mfaEnabled(tx, viewer.user);
      return true;
    });
    if (!activated) throw new InvalidCodeError();
    return codes;
  }

  /** Turns TOTP off and drops its recovery codes; false when it was not on. */
  async disableTotp(em: EntityManager, viewer: Viewer, client: ClientInfo): Promise<boolean> {
    const { factors, tickets, securityLog, mailer } = this.deps;
    const userId = viewer.user.id;
    return em.transactional(async (tx) => {
      // With a passkey left, the recovery codes stay its way back in.
      const removed = await factors.remove(tx, userId, await this.deps.passkeys.hasPasskey(tx, userId));
      if (!removed) return false;
      await tickets.spendAll(tx, userId);
      await securityLog.record(tx, { userId, type: SecurityEventType.MFA_DISABLED, client, sessionId: viewer.sessionId });
      mailer.mfaDisabled(tx, viewer.user);
      return true;
    });
  }

  /** Ten new recovery codes; every earlier one stops working. FORBIDDEN without TOTP or a passkey. */
  async regenerateRecoveryCodes(em: EntityManager, viewer: Viewer, client: ClientInfo): Promise<string[]> {
    const userId = viewer.user.id;
    const codes = newRecoveryCodes();
    await em.transactional(async (tx) => {
      // One regeneration at a time per account: the codes shown are the codes stored.
      await tx.findOneOrFail(User, userId, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!(await this.deps.factors.hasActiveFactor(tx, userId)) && !(await this.deps.passkeys.hasPasskey(tx, userId))) {
        throw new ForbiddenError('Two-step verification is not on: add an authenticator app or a passkey first');
      }
      await this.storeRecoveryCodes(tx, userId, codes);
      await this.deps.securityLog.record(tx, { userId, type: SecurityEventType.RECOVERY_CODES_REGENERATED, client, sessionId: viewer.sessionId });
    });
    return codes;
  }

  /** What `User.mfa` shows. */
  status(em: EntityManager, userId: string): Promise<MfaFactors> {
    return this.deps.factors.factors(em, userId);
  }

  private storeRecoveryCodes(em: EntityManager, userId: string, codes: readonly string[]): Promise<void> {
    const digests = codes.map((code) => recoveryCodeDigest(this.deps.recoverySecret, userId, normalizeRecoveryCode(code)!));
    return this.deps.factors.replaceRecoveryCodes(em, userId, digests);
  }
}
