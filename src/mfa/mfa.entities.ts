import { randomUUID } from 'node:crypto';
import { Entity, Index, ManyToOne, OneToOne, PrimaryKey, Property } from '@mikro-orm/core';
import { User } from '../users/user.entity';

/**
 * An account's TOTP factor: pending until a first right code confirms it. The secret is sealed
 * (AES-256-GCM under ENCRYPTION_KEY); `lastStep` is the last time step accepted, so a code works once.
 */
@Entity({ tableName: 'mfa_totp_factors' })
export class TotpFactor {
  @OneToOne(() => User, { primary: true, deleteRule: 'cascade', fieldName: 'user_id' })
  user!: User;

  @Property({ type: 'bytea', hidden: true })
  secretSealed!: Buffer;

  @Property({ type: 'datetime', nullable: true })
  confirmedAt?: Date | null;

  @Property({ type: 'bigint', default: 0 })
  lastStep: string = '0';

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  createdAt: Date = new Date();
}

/** One recovery code, as HMAC-SHA256 only; `usedAt` once it has been spent. */
@Entity({ tableName: 'mfa_recovery_codes' })
export class RecoveryCode {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => User, { deleteRule: 'cascade' })
  @Index()
  user!: User;

  @Property({ type: 'bytea', hidden: true })
  codeHash!: Buffer;

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  createdAt: Date = new Date();

  @Property({ type: 'datetime', nullable: true })
  usedAt?: Date | null;
}

/**
 * A sign-in that passed its first factor and waits for the second: the `mfaToken` (SHA-256
 * only), whose account, how it signed in so far, and wrong tries counted in the database.
 */
@Entity({ tableName: 'mfa_tickets' })
export class MfaTicket {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'bytea', unique: true, hidden: true })
  tokenHash!: Buffer;

  @ManyToOne(() => User, { deleteRule: 'cascade' })
  @Index()
  user!: User;

  @Property({ type: 'string', length: 64 })
  amr!: string;

  @Property({ type: 'integer', default: 0 })
  attempts: number = 0;

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  createdAt: Date = new Date();

  @Property({ type: 'datetime' })
  @Index()
  expiresAt!: Date;

  @Property({ type: 'datetime', nullable: true })
  consumedAt?: Date | null;
}

export const mfaEntities = [TotpFactor, RecoveryCode, MfaTicket];
