import type { EntityManager } from '@mikro-orm/postgresql';
import type { AddressBudgets } from '../abuse/address-budgets';
import type { Locale } from '../config';
import { parseCode } from '../codes/code-format';
import { CodePurpose, type CodeStore } from '../codes/code.store';
import { AccountDisabledError } from '../errors';
import type { Mailer } from '../mail/mailer';
import { SecurityEventType, type SecurityLog } from '../security/security-log';
import { viewerUserOf } from '../users/user.columns';
import { parseEmail } from '../users/email-address';
import { User } from '../users/user.entity';
import type { ClientInfo } from '../viewer/viewer';
import { quietCodeRequest } from './quiet-code-request';
import type { SignIn } from './sign-in';
import type { IssuedToken } from './token-issuer';

export interface LoginCodeDeps {
  budgets: AddressBudgets;
  codes: CodeStore;
  mailer: Mailer;
  securityLog: SecurityLog;
  signIn: SignIn;
}

/**
 * Passwordless sign-in: a 6-digit code mailed to a verified address, under the same code
 * rules (HMAC at rest, single use, attempts, cooldown, per-address mail budget) and the same
 * silence about which addresses have accounts as a password reset.
 */
export class LoginCodeService {
  constructor(private readonly deps: LoginCodeDeps) {}

  /** Always true; only a verified account gets a code. */
  requestCode(em: EntityManager, rawEmail: unknown, locale: Locale | null): Promise<true> {
    const started = Date.now();
    const email = parseEmail(rawEmail);
    const { codes, mailer, budgets } = this.deps;
    return quietCodeRequest(
      em,
      budgets,
      'login',
      email,
      async (tx) => {
        const user = await tx.findOne(User, { email, emailVerified: true });
        if (!user || !(await budgets.takeCodeMail(email))) return;
        const issued = await codes.issue(tx, user.id, CodePurpose.Login);
        if (locale) user.locale = locale;
        mailer.loginCode(tx, user, issued);
      },
      started,
    );
  }

  /**
   * Spends the mailed code and signs in (`amr` `email`): a session, or MFA_REQUIRED for an
   * account with a second factor, through the one last step every sign-in path shares.
   */
  async login(em: EntityManager, input: { email: unknown; code: unknown }, client: ClientInfo): Promise<IssuedToken> {
    const email = parseEmail(input.email);
    const code = parseCode(input.code);
    const { codes, securityLog, signIn } = this.deps;
    const outcome = await em.transactional(async (tx) => {
      const user = await tx.findOne(User, { email, emailVerified: true }, { populate: ['passwordHash'] });
      const check = await codes.check(tx, user?.id ?? null, CodePurpose.Login, code, client);
      if (!check.ok) return check;
      const owner = user!;
      // Said only to whoever holds the mailbox, so it reveals nothing new.
      if (owner.disabled) return { ok: false as const, error: new AccountDisabledError() };
      const step = await signIn.open(tx, viewerUserOf(owner), client, ['email']);
      if (step.session) await securityLog.record(tx, { userId: owner.id, type: SecurityEventType.LOGIN_SUCCEEDED, client, sessionId: step.session.sessionId });
      return { ok: true as const, step };
    });
    // A failed try is thrown after its attempt count committed; with no live code, the answer a guess would get.
    if (!outcome.ok) throw outcome.noLiveCode ? await this.deps.budgets.wrongCodeWithoutCode('login', email) : outcome.error;
    return signIn.finish(outcome.step);
  }
}
