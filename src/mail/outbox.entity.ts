import { randomUUID } from 'node:crypto';
import { Entity, Index, PrimaryKey, Property } from '@mikro-orm/core';
import type { Locale } from '../config';
import type { MailKind } from './mail.types';

/** pending: to be sent; sent; failed: given up after MAIL_RETRY_FOR; expired: a code mail whose code died first. */
export type OutboxStatus = 'pending' | 'sent' | 'failed' | 'expired';

/**
 * One mail to send, written in the same transaction as the change that causes it. It holds
 * only what rendering needs; the code is sealed (AES-GCM) and dropped once the row is settled.
 */
@Entity({ tableName: 'mail_outbox' })
@Index({ properties: ['status', 'nextAttemptAt'] })
export class MailOutbox {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'string', length: 32 })
  kind!: MailKind;

  @Property({ type: 'string', length: 254 })
  recipient!: string;

  @Property({ type: 'string', length: 8 })
  locale!: Locale;

  @Property({ type: 'bytea', nullable: true })
  codeSealed?: Buffer | null;

  /** When the code this mail carries dies; the mail is never sent after it. */
  @Property({ type: 'datetime', nullable: true })
  expiresAt?: Date | null;

  @Property({ type: 'string', length: 16, default: 'pending' })
  status: OutboxStatus = 'pending';

  /** Claims count as attempts, so a mail that crashes its worker every time still ends. */
  @Property({ type: 'integer', default: 0 })
  attempts: number = 0;

  /** When the row is next due; a claim pushes it out by the lease, so a dead worker's rows come back. */
  // Left to the database clock, which every claim compares against.
  @Property({ type: 'datetime', defaultRaw: 'now()' })
  nextAttemptAt?: Date;

  @Property({ type: 'uuid', nullable: true })
  claimedBy?: string | null;

  @Property({ type: 'text', nullable: true })
  lastError?: string | null;

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  createdAt?: Date;

  @Property({ type: 'datetime', nullable: true })
  settledAt?: Date | null;
}

export const mailEntities = [MailOutbox];
