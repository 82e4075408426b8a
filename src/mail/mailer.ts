import type { EntityManager } from '@mikro-orm/postgresql';
import type { Locale } from '../config';
import type { Outbox } from './outbox';

/** Whom a mail goes to: the address in its one spelling, and the language they read. */
export interface Recipient {
  readonly email: string;
  readonly locale: Locale;
}

/** A code on its way to a mailbox: it goes into the mail and nowhere else. */
export interface CodeToSend {
  readonly code: string;
  readonly expiresAt: Date;
}

/**
 * One method per mail the product sends. Each queues its mail in the caller's transaction
 * (the outbox), so it goes out exactly when the change that causes it commits.
 */
export class Mailer {
  constructor(private readonly outbox: Outbox) {}

  /** The code that verifies a new registration. `contested`: another attempt chose another password. */
  verificationCode(em: EntityManager, to: Recipient, code: CodeToSend, contested = false): void {
    const kind = contested ? 'verification-code-contested' : 'verification-code';
    this.outbox.enqueue(em, { kind, to: to.email, locale: to.locale, code: code.code, expiresAt: code.expiresAt });
  }

  passwordResetCode(em: EntityManager, to: Recipient, code: CodeToSend): void {
    this.outbox.enqueue(em, { kind: 'password-reset-code', to: to.email, locale: to.locale, code: code.code, expiresAt: code.expiresAt });
  }

  /** Someone tried to register an address that already has an account. */
  registrationAttempt(em: EntityManager, to: Recipient): void {
    this.outbox.enqueue(em, { kind: 'registration-attempt', to: to.email, locale: to.locale });
  }

  passwordChanged(em: EntityManager, to: Recipient): void {
    this.outbox.enqueue(em, { kind: 'password-changed', to: to.email, locale: to.locale });
  }

  /** Two-step verification was turned on. */
  mfaEnabled(em: EntityManager, to: Recipient): void {
    this.outbox.enqueue(em, { kind: 'mfa-enabled', to: to.email, locale: to.locale });
  }

  /** A sign-in provider (Google, GitHub, ...) was linked to the account. */
  identityLinked(em: EntityManager, to: Recipient): void {
    this.outbox.enqueue(em, { kind: 'identity-linked', to: to.email, locale: to.locale });
  }

  /** A sign-in provider was unlinked from the account. */
  identityUnlinked(em: EntityManager, to: Recipient): void {
    this.outbox.enqueue(em, { kind: 'identity-unlinked', to: to.email, locale: to.locale });
  }

  /** Two-step verification was turned off. */
  mfaDisabled(em: EntityManager, to: Recipient): void {
    this.outbox.enqueue(em, { kind: 'mfa-disabled', to: to.email, locale: to.locale });
  }

  /** A passkey was added to the account. */
  passkeyAdded(em: EntityManager, to: Recipient): void {
    this.outbox.enqueue(em, { kind: 'passkey-added', to: to.email, locale: to.locale });
  }

  /** A passwordless sign-in code (requestLoginCode). */
  loginCode(em: EntityManager, to: Recipient, code: CodeToSend): void {
    this.outbox.enqueue(em, { kind: 'login-code', to: to.email, locale: to.locale, code: code.code, expiresAt: code.expiresAt });
  }

  /** The code that confirms a new address; it goes to that new address. */
  emailChangeCode(em: EntityManager, to: Recipient, code: CodeToSend): void {
    this.outbox.enqueue(em, { kind: 'email-change-code', to: to.email, locale: to.locale, code: code.code, expiresAt: code.expiresAt });
  }

  /** To the old address: the account now signs in with another one. */
  emailChanged(em: EntityManager, to: Recipient): void {
    this.outbox.enqueue(em, { kind: 'email-changed', to: to.email, locale: to.locale });
  }

  /** To the owner of an address another account tried to move to. */
  emailChangeAttempt(em: EntityManager, to: Recipient): void {
    this.outbox.enqueue(em, { kind: 'email-change-attempt', to: to.email, locale: to.locale });
  }

  /** Drops every mail still waiting to go to these addresses (an account being deleted). */
  dropPending(em: EntityManager, recipients: readonly string[]): Promise<number> {
    return this.outbox.dropPending(em, recipients);
  }

  /** The goodbye: the account and everything it held are gone. */
  accountDeleted(em: EntityManager, to: Recipient): void {
    this.outbox.enqueue(em, { kind: 'account-deleted', to: to.email, locale: to.locale });
  }
}
