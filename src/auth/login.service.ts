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

    // Without a rehash, starting the session is one atomic statement; with one, the new hash
    // and the session commit together.
    const issued = hasher.needsRehash(user.passwordHash)
      ? await this.startWithRehash(em, user, await hasher.hash(password), client)
      : await sessions.start(em, user, client, SecurityEventType.LOGIN_SUCCEEDED);
    return toToken(tokens, issued);
  }

  private startWithRehash(em: EntityManager, user: User, passwordHash: string, client: ClientInfo) {
    return em.transactional(async (tx) => {
      await tx.nativeUpdate(User, { id: user.id }, { passwordHash });
      return this.deps.sessions.start(tx, user, client, SecurityEventType.LOGIN_SUCCEEDED);
    });
  }

  async refresh(em: EntityManager, presented: string, client: ClientInfo): Promise<Token> {
    const { sessions, tokens } = this.deps;
    const rotation = await em.transactional((tx) => sessions.rotate(tx, presented, client));
    // Reuse revokes the session inside the transaction; the error is raised after it commits.
    if (!rotation.ok) throw rotation.error;
    return toToken(tokens, rotation);
  }
}
