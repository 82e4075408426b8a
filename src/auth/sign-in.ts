import type { EntityManager } from '@mikro-orm/postgresql';
import {
  AccountDisabledError,
  BadUserInputError,
  CodeExpiredError,
  InvalidCodeError,
  MfaRequiredError,
  type MfaMethod,
  TooManyAttemptsError,
  UnauthenticatedError,
} from '../errors';
import type { MfaFactorStore } from '../mfa/factor.store';
import { parseSecondFactorCode, type PasskeyPresence, type SecondFactor } from '../mfa/second-factor';
import type { IssuedTicket, MfaTicketStore } from '../mfa/ticket.store';
import { SecurityEventType, type SecurityLog } from '../security/security-log';
import type { IssuedSession, SessionStore } from '../sessions/session.store';
import { viewerUserOf } from '../users/user.columns';
import { User } from '../users/user.entity';
import type { AuthMethod, ClientInfo, ViewerUser } from '../viewer/viewer';
import type { IssuedToken, TokenIssuer } from './token-issuer';

/** Where a sign-in stands once its first factor passed: a session, or a second factor to ask for. */
export type SignInStep = { session: IssuedSession; ticket?: undefined } | { session?: undefined; ticket: IssuedTicket; methods: readonly MfaMethod[] };

export interface SignInDeps {
  sessions: SessionStore;
  factors: MfaFactorStore;
  tickets: MfaTicketStore;
  secondFactor: SecondFactor;
  securityLog: SecurityLog;
  issuer: TokenIssuer;
  passkeys: PasskeyPresence;
}

/**
 * The last step of every sign-in path (login, verifyEmail, resetPassword, the code, passkey and
 * federated logins): an account with a second factor gets no session, only a ticket for
 * `verifyMfa` or a passkey (`finishPasskeyLogin`). `open` runs in the path's transaction;
 * `finish`, after it commits, answers with the Token or MFA_REQUIRED.
 */
export class SignIn {
  constructor(private readonly deps: SignInDeps) {}

  /**
   * `amr` with `mfa` already passed two factors (a passkey with user verification) and needs no
   * more. Otherwise the account's second factors are asked for: TOTP (or a recovery code), and
   * a passkey unless the sign-in was made with one.
   */
  async open(tx: EntityManager, user: ViewerUser, client: ClientInfo, amr: readonly AuthMethod[]): Promise<SignInStep> {
    const methods = amr.includes('mfa') ? [] : await this.secondFactors(tx, user.id, amr);
    if (methods.length > 0) return { ticket: await this.deps.tickets.issue(tx, user.id, amr), methods };
    return { session: await this.deps.sessions.start(tx, user, client, amr) };
  }

  private async secondFactors(tx: EntityManager, userId: string, amr: readonly AuthMethod[]): Promise<MfaMethod[]> {
    const methods: MfaMethod[] = [];
    const { totp, recoveryCodesLeft } = await this.deps.factors.factors(tx, userId);
    if (totp) methods.push('TOTP', 'RECOVERY_CODE');
    if (!amr.includes('hwk') && (await this.deps.passkeys.hasPasskey(tx, userId))) {
      methods.push('PASSKEY');
      // The way back for someone who lost their only passkey.
      if (!totp && recoveryCodesLeft > 0) methods.push('RECOVERY_CODE');
    }
    return methods;
  }

  /** Ends every sign-in of the account still waiting for its second factor (its credentials changed). */
  cancelPending(tx: EntityManager, userId: string): Promise<number> {
    return this.deps.tickets.spendAll(tx, userId);
  }

  finish(step: SignInStep): IssuedToken {
    if (step.ticket) throw new MfaRequiredError(step.ticket.token, step.methods, step.ticket.expiresAt);
    return this.deps.issuer.issue(step.session);
  }

  /**
   * Completes a sign-in that answered MFA_REQUIRED. Each try counts against the ticket in the
   * database (committed even when the code is wrong); a right code spends the ticket and opens
   * the session in one transaction.
   */
  async verifyMfa(em: EntityManager, input: { mfaToken: unknown; code: unknown }, client: ClientInfo): Promise<IssuedToken> {
    const token = parseMfaToken(input.mfaToken);
    const code = parseSecondFactorCode(input.code);
    const { tickets, secondFactor, sessions, securityLog, issuer } = this.deps;
    const outcome = await em.transactional(async (tx) => {
      const ticket = await tickets.try(tx, token);
      if (ticket.outcome === 'expired') return { error: new CodeExpiredError() };
      if (ticket.outcome === 'exhausted') return { error: new TooManyAttemptsError() };
      if (ticket.outcome === 'unknown') return { error: new UnauthenticatedError('This sign-in is unknown or already complete; sign in again') };
      const passed = await secondFactor.verify(tx, ticket.userId, code, client);
      if (!passed) {
        await securityLog.record(tx, { userId: ticket.userId, type: SecurityEventType.MFA_FAILED, client });
        return { error: ticket.attemptsLeft > 0 ? new InvalidCodeError(ticket.attemptsLeft) : new TooManyAttemptsError() };
      }
      if (!(await tickets.consume(tx, ticket.id))) return { error: new UnauthenticatedError('This sign-in is already complete') };
      const user = await tx.findOneOrFail(User, ticket.userId, { populate: ['passwordHash'] });
      // Disabled while the second factor was being asked for: no session.
      if (user.disabled) return { error: new AccountDisabledError() };
      const amr: AuthMethod[] = [...new Set<AuthMethod>([...ticket.amr, 'otp', 'mfa'])];
      const session = await sessions.start(tx, viewerUserOf(user), client, amr);
      await securityLog.record(tx, { userId: user.id, type: SecurityEventType.LOGIN_SUCCEEDED, client, sessionId: session.sessionId });
      return { session };
    });
    // A wrong try is thrown only now, after its count has committed.
    if (outcome.error) throw outcome.error;
    return issuer.issue(outcome.session);
  }
}

/** An mfaToken as a client sends it: base64url of 32 bytes. */
export function parseMfaToken(value: unknown): string {
  if (typeof value !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(value)) throw new BadUserInputError('mfaToken', 'mfaToken is malformed');
  return value;
}
