import type { EntityManager } from '@mikro-orm/postgresql';
import {
  generateAuthenticationOptions,
  verifyAuthenticationResponse,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type VerifiedAuthenticationResponse,
} from '@simplewebauthn/server';
import { parseMfaToken, type SignIn, type SignInStep } from '../auth/sign-in';
import type { IssuedToken, TokenIssuer } from '../auth/token-issuer';
import type { WebAuthnConfig } from '../config';
import {
  AccountDisabledError,
  BadUserInputError,
  CodeExpiredError,
  PasskeyRefusedError,
  SessionRevokedError,
  TooManyAttemptsError,
  UnauthenticatedError,
  type ClientError,
} from '../errors';
import type { MfaTicketStore } from '../mfa/ticket.store';
import { SecurityEventType, type SecurityLog } from '../security/security-log';
import type { IssuedSession, SessionStore } from '../sessions/session.store';
import { viewerUserOf } from '../users/user.columns';
import { parseEmail } from '../users/email-address';
import { User } from '../users/user.entity';
import type { AuthMethod, ClientInfo, Viewer, ViewerUser } from '../viewer/viewer';
import type { ChallengeBinding, ChallengeStore } from './challenge.store';
import { isUuid, type PasskeyStore, type StoredPasskey } from './passkey.store';
import { encodedUserHandleOf, parseAuthenticationResponse } from './webauthn-json';

const NO_ACCOUNT = '00000000-0000-0000-0000-000000000000';

export interface PasskeyLoginDeps {
  settings: WebAuthnConfig;
  passkeys: PasskeyStore;
  challenges: ChallengeStore;
  tickets: MfaTicketStore;
  sessions: SessionStore;
  signIn: SignIn;
  securityLog: SecurityLog;
  issuer: TokenIssuer;
  /** A refused answer is the client's matter: logged at debug, with the library's reason. */
  log: { debug(obj: object, msg: string): void };
}

/** What `startPasskeyLogin` answers: the options for `navigator.credentials.get()`, and the id to answer with. */
export interface PasskeyChallenge {
  challengeId: string;
  options: PublicKeyCredentialRequestOptionsJSON;
}

/** A refused answer; `failedUserId`: the account whose passkey it named, for its LOGIN_FAILED event. */
type Refusal = { error: ClientError; failedUserId?: string; passkey?: undefined };
/** An answer that verified, by this passkey. */
type CheckedAnswer = { passkey: StoredPasskey; ticketId: string | null; userVerified: boolean; error?: undefined };
type Outcome =
  | Refusal
  | { session: IssuedSession; step?: undefined; error?: undefined; failedUserId?: undefined }
  | { step: SignInStep; session?: undefined; error?: undefined; failedUserId?: undefined };

/**
 * Sign-in with a passkey, in three uses of one pair of calls:
 * - a sign-in: with an email its passkeys are offered (`allowCredentials`), without one the
 *   browser offers the discoverable passkeys it holds for this site;
 * - the second factor of a sign-in that answered MFA_REQUIRED (its `mfaToken`): the ticket is spent;
 * - sudo mode: a request carrying the bearer token of the passkey's own account re-authenticates
 *   that session (its `auth_time` becomes now) instead of opening another.
 */
export class PasskeyLoginService {
  constructor(private readonly deps: PasskeyLoginDeps) {}

  async start(em: EntityManager, input: { email?: unknown; mfaToken?: unknown }): Promise<PasskeyChallenge> {
    const email = input.email === undefined || input.email === null ? null : parseEmail(input.email);
    const mfaToken = input.mfaToken === undefined || input.mfaToken === null ? null : parseMfaToken(input.mfaToken);
    const { settings, passkeys, challenges, tickets } = this.deps;
    const outcome = await em.transactional(
      async (tx): Promise<{ error: ClientError; started?: undefined } | { error?: undefined; started: PasskeyChallenge }> => {
        let binding: ChallengeBinding = { userId: null, userBound: false, ticketId: null };
        if (mfaToken) {
          // Each passkey try at a pending sign-in counts against its ticket, as a wrong code does.
          const ticket = await tickets.try(tx, mfaToken);
          if (ticket.outcome === 'expired') return { error: new CodeExpiredError() };
          if (ticket.outcome === 'exhausted') return { error: new TooManyAttemptsError() };
          if (ticket.outcome === 'unknown') return { error: new UnauthenticatedError('This sign-in is unknown or already complete; sign in again') };
          binding = { userId: ticket.userId, userBound: true, ticketId: ticket.id };
        } else if (email) {
          // An address with no account answers exactly like an account with no passkeys.
          const user = await tx.findOne(User, { email }, { fields: ['id'] });
          binding = { userId: user?.id ?? null, userBound: true, ticketId: null };
        }
        // Looked up for an unknown address too (an id no account has), so both take the same work.
        const allowCredentials = binding.userBound ? await passkeys.descriptors(tx, binding.userId ?? NO_ACCOUNT) : [];
        const options = await generateAuthenticationOptions({
          rpID: settings.rpId,
          allowCredentials: binding.userBound ? allowCredentials : undefined,
          userVerification: 'preferred',
          timeout: settings.challengeTtl * 1000,
        });
        const { id } = await challenges.startAuthentication(tx, options.challenge, binding);
        return { started: { challengeId: id, options } };
      },
    );
    if (outcome.error) throw outcome.error;
    return outcome.started;
  }

  async finish(em: EntityManager, rawChallengeId: unknown, rawResponse: unknown, client: ClientInfo, viewer: Viewer | null): Promise<IssuedToken> {
    if (!isUuid(rawChallengeId)) throw new BadUserInputError('challengeId', 'challengeId must be the one startPasskeyLogin returned');
    const response = parseAuthenticationResponse(rawResponse);
    const { securityLog, signIn, issuer } = this.deps;
    const outcome = await em.transactional(async (tx): Promise<Outcome> => {
      const answer = await this.check(tx, rawChallengeId, response);
      if (!answer.passkey) return answer;
      const user = await tx.findOneOrFail(User, answer.passkey.userId, { populate: ['passwordHash'] });
      if (user.disabled) return { error: new AccountDisabledError() };
      return this.signInWith(tx, viewerUserOf(user), answer, client, viewer);
    });
    if (outcome.error) {
      // After the spent challenge has committed, on a unit of work of its own.
      if (outcome.failedUserId) securityLog.recordAfterAnswer(() => em.fork(), { userId: outcome.failedUserId, type: SecurityEventType.LOGIN_FAILED, client });
      throw outcome.error;
    }
    return outcome.step ? signIn.finish(outcome.step) : issuer.issue(outcome.session);
  }

  /**
   * Takes the challenge (whatever follows: an answer is checked once, so a replay finds nothing)
   * and checks the answer against it and the passkey it names: the account the challenge was
   * made for, the signature, origin, RP ID and sign counter. The new counter is stored.
   */
  private async check(tx: EntityManager, challengeId: string, response: AuthenticationResponseJSON): Promise<Refusal | CheckedAnswer> {
    const { settings, passkeys, challenges } = this.deps;
    const challenge = await challenges.takeAuthentication(tx, challengeId);
    if (!challenge) return { error: new PasskeyRefusedError('CHALLENGE_UNKNOWN') };
    const passkey = await passkeys.lockByCredentialId(tx, response.id);
    if (challenge.expired) return { error: new PasskeyRefusedError('CHALLENGE_EXPIRED'), failedUserId: passkey?.userId };
    if (!passkey) return { error: new PasskeyRefusedError() };
    const refused: Refusal = { error: new PasskeyRefusedError(), failedUserId: passkey.userId };
    if (challenge.userBound && challenge.userId !== passkey.userId) return refused;
    const userHandle = response.response.userHandle;
    if (userHandle && userHandle !== encodedUserHandleOf(passkey.userId)) return refused;
    let verified: VerifiedAuthenticationResponse;
    try {
      verified = await verifyAuthenticationResponse({
        response,
        expectedChallenge: challenge.challenge,
        expectedOrigin: [...settings.origins],
        expectedRPID: settings.rpId,
        credential: { id: passkey.credentialId, publicKey: passkey.publicKey, counter: passkey.counter, transports: passkey.transports },
        requireUserVerification: false,
      });
    } catch (error) {
      this.deps.log.debug({ err: error }, 'passkey assertion did not verify');
      return refused;
    }
    if (!verified.verified) return refused;
    const { newCounter, userVerified, credentialBackedUp } = verified.authenticationInfo;
    await passkeys.recordUse(tx, passkey.id, newCounter, credentialBackedUp);
    return { passkey, ticketId: challenge.ticketId, userVerified };
  }

  /** A verified passkey of `user`: completes the pending sign-in, re-authenticates the viewer's session, or signs in. */
  private async signInWith(tx: EntityManager, user: ViewerUser, answer: CheckedAnswer, client: ClientInfo, viewer: Viewer | null): Promise<Outcome> {
    const { tickets, sessions, signIn, securityLog } = this.deps;
    const used = { userId: user.id, type: SecurityEventType.PASSKEY_USED, client } as const;
    if (answer.ticketId) {
      const ticket = await tickets.consumeLive(tx, answer.ticketId);
      if (!ticket) return { error: new UnauthenticatedError('This sign-in expired or is already complete; sign in again') };
      // Two factors: whatever opened the ticket and this passkey, unless both were a passkey without verification.
      if (!answer.userVerified && ticket.amr.every((method) => method === 'hwk')) return { error: new PasskeyRefusedError(), failedUserId: user.id };
      const session = await sessions.start(tx, user, client, [...new Set<AuthMethod>([...ticket.amr, 'hwk', 'mfa'])]);
      await securityLog.record(tx, { ...used, sessionId: session.sessionId });
      await securityLog.record(tx, { userId: user.id, type: SecurityEventType.LOGIN_SUCCEEDED, client, sessionId: session.sessionId });
      return { session };
    }
    const amr: AuthMethod[] = answer.userVerified ? ['hwk', 'mfa'] : ['hwk'];
    if (viewer?.user.id === user.id) {
      const session = await sessions.reauthenticate(tx, viewer.sessionId, user, amr, client);
      if (!session) throw new SessionRevokedError();
      await securityLog.record(tx, { ...used, sessionId: viewer.sessionId });
      await securityLog.record(tx, { userId: user.id, type: SecurityEventType.REAUTHENTICATED, client, sessionId: viewer.sessionId });
      return { session };
    }
    const step = await signIn.open(tx, user, client, amr);
    await securityLog.record(tx, { ...used, sessionId: step.session?.sessionId ?? null });
    if (step.session) {
      await securityLog.record(tx, { userId: user.id, type: SecurityEventType.LOGIN_SUCCEEDED, client, sessionId: step.session.sessionId });
    }
    return { step };
  }
}

/** The address whose budget a passkey answer spends: the passkey's account, else the account its challenge named. */
export async function passkeyAccountEmail(
  em: EntityManager,
  stores: { passkeys: PasskeyStore; challenges: ChallengeStore },
  challengeId: unknown,
  credentialId: unknown,
): Promise<string | null> {
  const byCredential = typeof credentialId === 'string' && credentialId.length <= 1400 ? await stores.passkeys.ownerEmail(em, credentialId) : null;
  return byCredential ?? (isUuid(challengeId) ? await stores.challenges.boundEmail(em, challengeId) : null);
}
