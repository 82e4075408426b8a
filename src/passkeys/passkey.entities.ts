import { randomUUID } from 'node:crypto';
import { Entity, Index, ManyToOne, PrimaryKey, Property } from '@mikro-orm/core';
import { MfaTicket } from '../mfa/mfa.entities';
import { User } from '../users/user.entity';

/**
 * A passkey (a WebAuthn credential) of an account. The credential id is unique across every
 * account; `counter` is the authenticator's last sign count, so a cloned authenticator shows.
 */
@Entity({ tableName: 'passkeys' })
export class PasskeyCredential {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => User, { deleteRule: 'cascade' })
  @Index()
  user!: User;

  /** base64url, as the browser names the credential. */
  @Property({ type: 'string', length: 1400, unique: true })
  credentialId!: string;

  /** The COSE public key, exactly as the authenticator gave it. */
  @Property({ type: 'bytea', hidden: true })
  publicKey!: Buffer;

  @Property({ type: 'bigint', default: 0 })
  counter: string = '0';

  /** Space-separated, as the browser reported them (`internal hybrid usb` …). */
  @Property({ type: 'string', length: 255, default: '' })
  transports: string = '';

  /** `singleDevice` or `multiDevice`. */
  @Property({ type: 'string', length: 16 })
  deviceType!: string;

  @Property({ type: 'boolean', default: false })
  backedUp: boolean = false;

  @Property({ type: 'string', length: 36, nullable: true })
  aaguid?: string | null;

  @Property({ type: 'string', length: 64, nullable: true })
  name?: string | null;

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  createdAt: Date = new Date();

  @Property({ type: 'datetime', nullable: true })
  lastUsedAt?: Date | null;
}

/**
 * A WebAuthn challenge waiting for its answer: single use, short-lived. `userBound` with a null
 * user is a sign-in for an address with no account, which no passkey can answer.
 */
@Entity({ tableName: 'webauthn_challenges' })
export class WebAuthnChallenge {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'string', length: 16 })
  purpose!: 'registration' | 'authentication';

  @Property({ type: 'string', length: 128 })
  challenge!: string;

  @ManyToOne(() => User, { deleteRule: 'cascade', nullable: true })
  @Index()
  user?: User | null;

  @Property({ type: 'boolean', default: false })
  userBound: boolean = false;

  /** The sign-in waiting for its second factor that this challenge completes. */
  @ManyToOne(() => MfaTicket, { deleteRule: 'cascade', nullable: true })
  @Index()
  ticket?: MfaTicket | null;

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  createdAt: Date = new Date();

  @Property({ type: 'datetime' })
  @Index()
  expiresAt!: Date;
}

export const passkeyEntities = [PasskeyCredential, WebAuthnChallenge];
