import type { EntityManager } from '@mikro-orm/postgresql';
import { EmailNotVerifiedError, InvalidCredentialsError } from '../errors';
import type { ClientInfo, SessionService } from '../sessions/session.service';
import { recordEvent, SecurityEventType } from '../security/security-log';
import { User } from '../users/user.entity';
import type { Token } from './auth.types';
import type { PasswordHasher } from './passwords';
import { toToken } from './token-issuer';
import type { AccessTokens } from './tokens';
import { parseEmail } from './validation';

export interface LoginDeps {
  hasher: PasswordHasher;
  sessions: SessionService;
  tokens: AccessTokens;
}

/** Password login and refresh-token rotation: the two ways to get a Token for an existing account. */
export class LoginService {
  constructor(private readonly deps: LoginDeps) {}

  async login(em: EntityManager, input: { email: unknown; password: unknown }, client: ClientInfo): Promise<Token> {
    const { hasher, sessions, tokens } = this.deps;
    const email = parseEmail(input.email);
    const password = typeof input.password === 'string' ? input.password : '';
    const user = await em.findOne(User, { email }, { populate: ['passwordHash'] });
    if (!user) {
      await hasher.verifyNothing(password);
      throw new InvalidCredentialsError();
    }
    if (!(await hasher.verify(user.passwordHash, password))) {
      await em.transactional(async (tx) => recordEvent(tx, tx.merge(user), SecurityEventType.LOGIN_FAILED, client));
      throw new InvalidCredentialsError();
    }
    // Said only to someone who knows the password, so it reveals nothing new.
    if (!user.emailVerified) throw new EmailNotVerifiedError();

    const rehashed = hasher.needsRehash(user.passwordHash) ? await hasher.hash(password) : null;
    const issued = await em.transactional(async (tx) => {
      const managed = tx.merge(user);
      if (rehashed) managed.passwordHash = rehashed;
      const issued = await sessions.start(tx, managed, client);
      recordEvent(tx, managed, SecurityEventType.LOGIN_SUCCEEDED, client, issued.session.id);
      return issued;
    });
    return toToken(tokens, issued);
  }

  async refresh(em: EntityManager, presented: string, client: ClientInfo): Promise<Token> {
    const { sessions, tokens } = this.deps;
    const rotation = await em.transactional((tx) => sessions.rotate(tx, presented, client));
    // Reuse revokes the session inside the transaction; the error is raised after it commits.
    if (!rotation.ok) throw rotation.error;
    return toToken(tokens, rotation);
  }
}
