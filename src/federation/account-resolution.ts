import { LockMode, type EntityManager } from '@mikro-orm/postgresql';
import type { Locale } from '../config';
import type { Mailer } from '../mail/mailer';
import { SecurityEventType, type SecurityLog } from '../security/security-log';
import { User } from '../users/user.entity';
import type { ClientInfo } from '../viewer/viewer';
import { FlowError } from './flow-error';
import type { IdentityStore } from './identity.store';
import type { ProviderProfile } from './providers';

export interface AccountResolutionDeps {
  identities: IdentityStore;
  securityLog: SecurityLog;
  mailer: Mailer;
}

/** What a finished provider exchange brings to the account resolution. */
export interface ResolutionInput {
  provider: string;
  profile: ProviderProfile;
  /** The signed-in account that started the flow with `link: true`, else null. */
  linkUserId: string | null;
  client: ClientInfo;
  locale: Locale;
}

/**
 * Which account a provider identity signs in to, in the caller's transaction:
 * - a known (provider, subject) signs in to its account;
 * - `link: true` adds the identity to the account that asked;
 * - an address a verified account holds is linked only when the provider asserts it verified
 *   (else ACCOUNT_EXISTS: someone holding that address at a lax provider must not get in);
 * - otherwise a new account without password, verified when the provider says so. A pending
 *   registration of the address is discarded first, with its password and sessions, when the
 *   provider asserts the address (pre-account hijacking: whoever registered it first proved nothing).
 */
export class AccountResolution {
  constructor(private readonly deps: AccountResolutionDeps) {}

  async resolve(tx: EntityManager, input: ResolutionInput): Promise<string> {
    const { identities } = this.deps;
    const { provider, profile } = input;
    const owner = await identities.ownerOf(tx, provider, profile.subject);
    if (input.linkUserId) {
      if (owner && owner !== input.linkUserId) throw new FlowError('IDENTITY_TAKEN', 'this identity belongs to another account');
      if (!owner) await this.link(tx, await this.lockUser(tx, input.linkUserId), input);
      return input.linkUserId;
    }
    if (owner) {
      await this.lockUser(tx, owner);
      await identities.touch(tx, provider, profile.subject, profile.email);
      return owner;
    }
    if (!profile.email) throw new FlowError('EMAIL_REQUIRED', 'the provider gave no usable address');
    const holder = await tx.findOne(User, { email: profile.email }, { lockMode: LockMode.PESSIMISTIC_WRITE });
    if (holder) {
      if (!profile.emailVerified) throw new FlowError('ACCOUNT_EXISTS', 'the address has an account and the provider did not verify it');
      if (holder.emailVerified) {
        if (holder.disabled) throw new FlowError('ACCOUNT_DISABLED', 'account disabled');
        await this.link(tx, holder, input);
        return holder.id;
      }
      // An account another provider made with this address unverified: it is someone's, but
      // nobody proved the mailbox for it, so the mailbox's holder must not be joined to it.
      if ((await identities.count(tx, holder.id)) > 0) throw new FlowError('ACCOUNT_EXISTS', 'the address belongs to an unverified federated account');
      // A pending registration: no proof of the mailbox, so it goes, and its password never works.
      await tx.nativeDelete(User, { id: holder.id });
    }
    const user = tx.create(User, { email: profile.email, emailVerified: profile.emailVerified, passwordHash: null, locale: input.locale });
    await tx.flush();
    await this.deps.securityLog.record(tx, { userId: user.id, type: SecurityEventType.REGISTERED, client: input.client });
    await identities.add(tx, user.id, { provider, subject: profile.subject, email: profile.email });
    await this.deps.securityLog.record(tx, { userId: user.id, type: SecurityEventType.IDENTITY_LINKED, client: input.client });
    return user.id;
  }

  private async lockUser(tx: EntityManager, id: string): Promise<User> {
    const user = await tx.findOne(User, id, { lockMode: LockMode.PESSIMISTIC_WRITE });
    if (!user) throw new FlowError('SERVER_ERROR', 'the account is gone');
    if (user.disabled) throw new FlowError('ACCOUNT_DISABLED', 'account disabled');
    return user;
  }

  /** Adds the identity to an existing account; its holder hears of it. */
  private async link(tx: EntityManager, user: User, input: ResolutionInput): Promise<void> {
    const { identities, securityLog, mailer } = this.deps;
    if (await identities.has(tx, user.id, input.provider)) throw new FlowError('IDENTITY_TAKEN', 'the account already has an identity at this provider');
    await identities.add(tx, user.id, { provider: input.provider, subject: input.profile.subject, email: input.profile.email });
    await securityLog.record(tx, { userId: user.id, type: SecurityEventType.IDENTITY_LINKED, client: input.client });
    mailer.identityLinked(tx, user);
  }
}
