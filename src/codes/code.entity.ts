import { randomUUID } from 'node:crypto';
import { Entity, Enum, ManyToOne, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { User } from '../users/user.entity';

export enum CodePurpose {
  EmailVerification = 'email_verification',
  PasswordReset = 'password_reset',
  /** Passwordless sign-in (requestLoginCode). */
  Login = 'login',
  /** Confirms a new address; the address waits in users.pending_email. */
  EmailChange = 'email_change',
}

/** A one-time 6-digit code, stored as HMAC-SHA256; one live code per user and purpose. */
@Entity({ tableName: 'codes' })
@Unique({ properties: ['user', 'purpose'] })
export class Code {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => User, { deleteRule: 'cascade' })
  user!: User;

  @Enum({ items: () => CodePurpose, nativeEnumName: undefined })
  purpose!: CodePurpose;

  @Property({ type: 'bytea' })
  codeHash!: Buffer;

  @Property({ type: 'integer', default: 0 })
  attempts: number = 0;

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  createdAt: Date = new Date();

  @Property({ type: 'datetime' })
  expiresAt!: Date;

  @Property({ type: 'datetime' })
  resendAvailableAt!: Date;

  @Property({ type: 'datetime', nullable: true })
  consumedAt?: Date | null;
}

export const codeEntities = [Code];
