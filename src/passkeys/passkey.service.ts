import { LockMode, type EntityManager } from '@mikro-orm/postgresql';
import {
  generateRegistrationOptions,
  verifyRegistrationResponse,
  type PublicKeyCredentialCreationOptionsJSON,
  type VerifiedRegistrationResponse,
} from '@simplewebauthn/server';
import type { WebAuthnConfig } from '../config';
import { BadUserInputError, ForbiddenError, LastSignInMethodError } from '../errors';
import type { Mailer } from '../mail/mailer';
import type { MfaFactorStore } from '../mfa/factor.store';
import { SecurityEventType, type SecurityLog } from '../security/security-log';
import { User } from '../users/user.entity';
import type { ClientInfo, Viewer } from '../viewer/viewer';
import type { ChallengeStore } from './challenge.store';
import { isUuid, type PasskeyStore, type PasskeyView } from './passkey.store';
import { parsePasskeyName, parseRegistrationResponse, userHandleOf } from './webauthn-json';

export interface PasskeyDeps {
  settings: WebAuthnConfig;
  passkeys: PasskeyStore;
  challenges: ChallengeStore;
  /** The account's TOTP and recovery codes: the last second factor removed takes the codes with it. */
  factors: MfaFactorStore;
  /** How many provider identities the account has: another way to sign in besides its passkeys. */
  identities: { count(em: EntityManager, userId: string): Promise<number> };
  securityLog: SecurityLog;
  mailer: Mailer;
  /** A refused answer is the client's matter: logged at debug, with the library's reason. */
  log: { debug(obj: object, msg: string): void };
}

/**
 * The signed-in person's passkeys: add one (a WebAuthn registration), list, rename, remove.
 * Only a signed-in, verified account registers a passkey, so nobody can plant one on an
 * address before its owner has it.
 */
export class PasskeyService {
  constructor(private readonly deps: PasskeyDeps) {}

  /** Creation options for `navigator.credentials.create()`; replaces a pending registration. */
  async startRegistration(em: EntityManager, viewer: Viewer): Promise<PublicKeyCredentialCreationOptionsJSON> {
    if (!viewer.user.emailVerified) throw new ForbiddenError('Verify your email address before adding a passkey');
    const { settings, passkeys, challenges } = this.deps;
    return em.transactional(async (tx) => {
      const existing = await passkeys.descriptors(tx, viewer.user.id);
      const options = await generateRegistrationOptions({
        rpName: settings.rpName,
        rpID: settings.rpId,
        userName: viewer.user.email,
        userDisplayName: viewer.user.email,
        userID: userHandleOf(viewer.user.id),
        timeout: settings.challengeTtl * 1000,
        attestationType: 'none',
        excludeCredentials: existing,
        authenticatorSelection: { residentKey: 'required', requireResidentKey: true, userVerification: 'preferred' },
      });
      await challenges.startRegistration(tx, viewer.user.id, options.challenge);
      return options;
    });
  }

  /** Verifies the browser's answer to the pending registration and stores the passkey. */
  async finishRegistration(em: EntityManager, viewer: Viewer, rawResponse: unknown, rawName: unknown, client: ClientInfo): Promise<PasskeyView> {
    const response = parseRegistrationResponse(rawResponse);
    const name = parsePasskeyName(rawName);
    const { settings, passkeys, challenges, securityLog, mailer } = this.deps;
    const userId = viewer.user.id;
    const outcome = await em.transactional(async (tx) => {
      // Taken whatever follows: a registration challenge is answered once.
      const challenge = await challenges.takeRegistration(tx, userId);
      if (!challenge) return { error: refused('NO_PENDING_REGISTRATION', 'No passkey registration is pending: call startPasskeyRegistration first') };
      if (challenge.expired) return { error: refused('CHALLENGE_EXPIRED', 'The registration took too long; start again') };
      let verified: VerifiedRegistrationResponse;
      try {
        verified = await verifyRegistrationResponse({
          response,
          expectedChallenge: challenge.challenge,
          expectedOrigin: [...settings.origins],
          expectedRPID: settings.rpId,
          requireUserVerification: false,
        });
      } catch (error) {
        this.deps.log.debug({ err: error }, 'passkey registration did not verify');
        return { error: refused('VERIFICATION_FAILED', 'The passkey could not be verified') };
      }
      if (!verified.verified) return { error: refused('VERIFICATION_FAILED', 'The passkey could not be verified') };
      const info = verified.registrationInfo;
      const added = await passkeys.add(tx, {
        userId,
        credentialId: info.credential.id,
        publicKey: info.credential.publicKey,
        counter: info.credential.counter,
        transports: info.credential.transports ?? response.response.transports ?? [],
        deviceType: info.credentialDeviceType,
        backedUp: info.credentialBackedUp,
        aaguid: info.aaguid,
        name,
      });
      if (!added) return { error: refused('PASSKEY_EXISTS', 'This passkey is already registered') };
      await securityLog.record(tx, { userId, type: SecurityEventType.PASSKEY_ADDED, client, sessionId: viewer.sessionId });
      mailer.passkeyAdded(tx, viewer.user);
      return { added };
    });
    // A refusal is thrown after the spent challenge has committed.
    if (outcome.error) throw outcome.error;
    return outcome.added;
  }

  list(em: EntityManager, userId: string): Promise<PasskeyView[]> {
    return this.deps.passkeys.list(em, userId);
  }

  count(em: EntityManager, userId: string): Promise<number> {
    return this.deps.passkeys.count(em, userId);
  }

  /** Renames one of the viewer's passkeys; FORBIDDEN for any other id. */
  async rename(em: EntityManager, viewer: Viewer, id: unknown, rawName: unknown): Promise<PasskeyView> {
    const name = parsePasskeyName(rawName);
    const renamed = isUuid(id) ? await this.deps.passkeys.rename(em, viewer.user.id, id, name) : null;
    if (!renamed) throw new ForbiddenError('No passkey of yours has this id');
    return renamed;
  }

  /** Removes one of the viewer's passkeys; false when they have none with this id. */
  async remove(em: EntityManager, viewer: Viewer, id: unknown, client: ClientInfo): Promise<boolean> {
    if (!isUuid(id)) return false;
    const { passkeys, factors, identities, securityLog } = this.deps;
    return em.transactional(async (tx) => {
      // The account row is locked, as unlinkIdentity locks it: the two cannot together remove the last way in.
      const user = await tx.findOneOrFail(User, viewer.user.id, { lockMode: LockMode.PESSIMISTIC_WRITE, populate: ['passwordHash'] });
      if (!(await passkeys.remove(tx, viewer.user.id, id))) return false;
      // An account without a password (made by a provider) keeps at least one way to sign in.
      if (!user.passwordHash && (await passkeys.count(tx, user.id)) + (await identities.count(tx, user.id)) === 0) throw new LastSignInMethodError();
      // The last second factor gone: its recovery codes go too (TOTP's removal does the same).
      if (!(await passkeys.hasPasskey(tx, viewer.user.id)) && !(await factors.hasActiveFactor(tx, viewer.user.id))) {
        await factors.removeRecoveryCodes(tx, viewer.user.id);
      }
      await securityLog.record(tx, { userId: viewer.user.id, type: SecurityEventType.PASSKEY_REMOVED, client, sessionId: viewer.sessionId });
      return true;
    });
  }
}

function refused(reason: string, message: string): BadUserInputError {
  return new BadUserInputError('response', message, { reason });
}
