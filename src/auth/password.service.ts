import type { EntityManager } from '@mikro-orm/postgresql';
import type { Locale } from '../config';
import { CodePurpose } from '../codes/code.entity';
import type { Viewer } from '../context';
import { InvalidCredentialsError, RateLimitedError } from '../errors';
import { recordEvent, SecurityEventType } from '../security/security-log';
import { Session } from '../sessions/session.entity';
import type { ClientInfo } from '../sessions/session.service';
import { User } from '../users/user.entity';
import type { Token } from './auth.types';
import { checkPassword } from './password-policy';
import type { AuthDeps } from './auth.deps';
import { toToken } from './token-issuer';
import { parseCode, parseEmail } from './validation';

/**
 * requestPasswordReset answers no sooner than this, whichever path it took, so the time
 * to answer does not tell a registered address from an unknown one.
 */
const RESET_REQUEST_FLOOR_MS = 150;

/** Forgotten password (code by mail) and a signed-in password change. */
export class PasswordService {
  constructor(private readonly deps: AuthDeps) {}

  async requestReset(em: EntityManager, rawEmail: unknown, locale: Locale | null): Promise<true> {
    const started = Date.now();
    const email = parseEmail(rawEmail);
    const { codes, outbox } = this.deps;
    try {
      await em.transactional(async (tx) => {
        // Only verified accounts can reset; anyone else gets the same `true` and no mail.
        const user = await tx.findOne(User, { email, emailVerified: true });
        if (!user) return;
        const issued = await codes.issue(tx, user, CodePurpose.PasswordReset, true);
        if (locale) user.locale = locale;
        outbox.enqueue(tx, { kind: 'password-reset-code', to: user.email, locale: user.locale, code: issued.code, expiresInMinutes: Math.ceil(this.deps.config.codes.ttl / 60) });
      });
    } catch (error) {
      // A cooldown refusal would reveal that the account exists; the earlier code still works.
      if (!(error instanceof RateLimitedError)) throw error;
    }
    const wait = RESET_REQUEST_FLOOR_MS - (Date.now() - started);
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    return true;
  }

  /** Sets a new password with the mailed code; every session ends and a fresh one starts. */
  async reset(em: EntityManager, input: { email: unknown; code: unknown; newPassword: unknown }, client: ClientInfo): Promise<Token> {
    const email = parseEmail(input.email);
    const code = parseCode(input.code);
    const password = checkPassword(input.newPassword, email, 'newPassword');
    const { codes, hasher, outbox, sessions, tokens } = this.deps;
    const passwordHash = await hasher.hash(password);
    const outcome = await em.transactional(async (tx) => {
      const user = await tx.findOne(User, { email, emailVerified: true });
      const check = await codes.check(tx, user, CodePurpose.PasswordReset, code, client);
      if (!check.ok) return check;
      const { user: owner } = check;
      owner.passwordHash = passwordHash;
      await sessions.revokeAll(tx, owner, 'password_reset');
      const issued = await sessions.start(tx, owner, client);
      recordEvent(tx, owner, SecurityEventType.PASSWORD_RESET, client, issued.sessionId);
      outbox.enqueue(tx, { kind: 'password-changed', to: owner.email, locale: owner.locale });
      return { ok: true as const, issued };
    });
    if (!outcome.ok) throw outcome.error;
    return toToken(tokens, outcome.issued);
  }

  /** Needs the current password; ends every other session and reissues this one's pair. */
  async change(em: EntityManager, viewer: Viewer, input: { currentPassword: unknown; newPassword: unknown }, client: ClientInfo): Promise<Token> {
    const { hasher, outbox, sessions, tokens } = this.deps;
    const user = await em.findOneOrFail(User, viewer.user.id, { populate: ['passwordHash'] });
    const current = typeof input.currentPassword === 'string' ? input.currentPassword : '';
    if (!(await hasher.verify(user.passwordHash, current))) {
      await em.transactional(async (tx) => recordEvent(tx, tx.merge(user), SecurityEventType.LOGIN_FAILED, client, viewer.sessionId));
      throw new InvalidCredentialsError();
    }
    const password = checkPassword(input.newPassword, user.email, 'newPassword');
    const passwordHash = await hasher.hash(password);
    const issued = await em.transactional(async (tx) => {
      const managed = tx.merge(user);
      const session = await tx.findOneOrFail(Session, viewer.sessionId);
      managed.passwordHash = passwordHash;
      await sessions.revokeAll(tx, managed, 'password_change', session);
      const reissued = await sessions.reissue(tx, session, managed, client);
      recordEvent(tx, managed, SecurityEventType.PASSWORD_CHANGED, client, session.id);
      outbox.enqueue(tx, { kind: 'password-changed', to: managed.email, locale: managed.locale });
      return reissued;
    });
    return toToken(tokens, issued);
  }
}
