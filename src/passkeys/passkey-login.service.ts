import type { EntityManager } from '@mikro-orm/postgresql';
import {
  generateAuthenticationOptions,
  verifyAuthenticationResponse,
  type PublicKeyCredentialRequestOptionsJSON,
  type VerifiedAuthenticationResponse,
} from '@simplewebauthn/server';
import { parseMfaToken, type SignIn } from '../auth/sign-in';
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
import type { AuthMethod, ClientInfo, Viewer } from '../viewer/viewer';
import type { ChallengeBinding, ChallengeStore } from './challenge.store';
import { isUuid, type PasskeyStore } from './passkey.store';
import { encodedUserHandleOf, parseAuthenticationResponse } from './webauthn-json';

export interface PasskeyLoginDeps {
  settings: WebAuthnConfig;
  passkeys: PasskeyStore;
  challenges: ChallengeStore;
  tickets: MfaTicketStore;
  sessions: SessionStore;
  signIn: SignIn;
  securityLog: SecurityLog;
  issuer: TokenIssuer;
  log: { warn(obj: object, msg: string): void };
}

/** What `startPasskeyLogin` answers: the options for `navigator.credentials.get()`, and the id to answer with. */
export interface PasskeyChallenge {
  challengeId: string;
  options: PublicKeyCredentialRequestOptionsJSON;
}

type Outcome =
  | { error: ClientError; failedUserId?: string }
  | { session: IssuedSession; error?: undefined }
  | { step: Awaited<ReturnType<SignIn['open']>>; error?: undefined };

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
        const allowCredentials = binding.userId ? await passkeys.descriptors(tx, binding.userId) : [];
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
    const { settings, passkeys, challenges, tickets, sessions, signIn, securityLog, issuer } = this.deps;
    const outcome = await em.transactional(async (tx): Promise<Outcome> => {
      // Taken whatever follows: an answer is checked once, so a replayed one finds nothing.
      const challenge = await challenges.takeAuthentication(tx, rawChallengeId);
      if (!challenge) return { error: new PasskeyRefusedError('CHALLENGE_UNKNOWN') };
      const passkey = await passkeys.lockByCredentialId(tx, response.id);
      if (challenge.expired) return { error: new PasskeyRefusedError('CHALLENGE_EXPIRED'), failedUserId: passkey?.userId };
      if (!passkey) return { error: new PasskeyRefusedError() };
      const failed = { error: new PasskeyRefusedError(), failedUserId: passkey.userId };
      if (challenge.userBound && challenge.userId !== passkey.userId) return failed;
      const userHandle = response.response.userHandle;
      if (userHandle && userHandle !== encodedUserHandleOf(passkey.userId)) return failed;
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
        this.deps.log.warn({ err: error }, 'passkey assertion did not verify');
        return failed;
      }
      if (!verified.verified) return failed;
      const { newCounter, userVerified, credentialBackedUp } = verified.authenticationInfo;
      await passkeys.recordUse(tx, passkey.id, newCounter, credentialBackedUp);

      const user = await tx.findOneOrFail(User, passkey.userId, { populate: ['passwordHash'] });
      if (user.disabled) return { error: new AccountDisabledError() };
      const account = viewerUserOf(user);
      const used = { userId: user.id, type: SecurityEventType.PASSKEY_USED, client } as const;

      if (challenge.ticketId) {
        const ticket = await tickets.consumeLive(tx, challenge.ticketId);
        if (!ticket) return { error: new UnauthenticatedError('This sign-in expired or is already complete; sign in again') };
        // Two factors: whatever opened the ticket and this passkey, unless both were this passkey without verification.
        if (!userVerified && ticket.amr.every((method) => method === 'hwk')) return failed;
        const session = await sessions.start(tx, account, client, unique([...ticket.amr, 'hwk', 'mfa']));
        await securityLog.record(tx, { ...used, sessionId: session.sessionId });
        await securityLog.record(tx, { userId: user.id, type: SecurityEventType.LOGIN_SUCCEEDED, client, sessionId: session.sessionId });
        return { session };
      }
      const amr: AuthMethod[] = userVerified ? ['hwk', 'mfa'] : ['hwk'];
      if (viewer?.user.id === user.id) {
        const session = await sessions.reauthenticate(tx, viewer.sessionId, account, amr, client);
        if (!session) throw new SessionRevokedError();
        await securityLog.record(tx, { ...used, sessionId: viewer.sessionId });
        await securityLog.record(tx, { userId: user.id, type: SecurityEventType.REAUTHENTICATED, client, sessionId: viewer.sessionId });
        return { session };
      }
      const step = await signIn.open(tx, account, client, amr);
      await securityLog.record(tx, { ...used, sessionId: step.session?.sessionId ?? null });
      if (step.session) {
        await securityLog.record(tx, { userId: user.id, type: SecurityEventType.LOGIN_SUCCEEDED, client, sessionId: step.session.sessionId });
      }
      return { step };
    });
    if (outcome.error) {
      // After the spent challenge has committed, on a unit of work of its own.
      if ('failedUserId' in outcome && outcome.failedUserId) {
        securityLog.recordAfterAnswer(() => em.fork(), { userId: outcome.failedUserId, type: SecurityEventType.LOGIN_FAILED, client });
      }
      throw outcome.error;
    }
    if ('step' in outcome) return signIn.finish(outcome.step);
    return issuer.issue(outcome.session);
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

function unique(methods: AuthMethod[]): AuthMethod[] {
  return [...new Set(methods)];
}
