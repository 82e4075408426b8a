import { Entity, Enum, Index, ManyToOne, PrimaryKey, Property } from '@mikro-orm/core';
import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { GraphQLDateTimeISO } from 'graphql-scalars';
import { User } from '../users/user.entity';

export enum SecurityEventType {
  REGISTERED = 'registered',
  EMAIL_VERIFIED = 'email_verified',
  LOGIN_SUCCEEDED = 'login_succeeded',
  LOGIN_FAILED = 'login_failed',
  REFRESH_REUSE_DETECTED = 'refresh_reuse_detected',
  SESSION_REVOKED = 'session_revoked',
  PASSWORD_CHANGED = 'password_changed',
  PASSWORD_RESET = 'password_reset',
  CODE_LOCKED_OUT = 'code_locked_out',
  MFA_ENABLED = 'mfa_enabled',
  MFA_DISABLED = 'mfa_disabled',
  RECOVERY_CODE_USED = 'recovery_code_used',
  RECOVERY_CODES_REGENERATED = 'recovery_codes_regenerated',
  MFA_FAILED = 'mfa_failed',
  REAUTHENTICATED = 'reauthenticated',
  EMAIL_CHANGED = 'email_changed',
  /** An administrator changed the account's roles. */
  ROLES_CHANGED_BY_ADMIN = 'roles_changed_by_admin',
  /** An administrator disabled the account and ended its sessions. */
  DISABLED_BY_ADMIN = 'disabled_by_admin',
  ENABLED_BY_ADMIN = 'enabled_by_admin',
  PASSKEY_ADDED = 'passkey_added',
  /** A sign-in or re-authentication with a passkey. */
  PASSKEY_USED = 'passkey_used',
  PASSKEY_REMOVED = 'passkey_removed',
  /** An identity at an external provider was linked to the account (sign-up, email match or explicit link). */
  IDENTITY_LINKED = 'identity_linked',
  IDENTITY_UNLINKED = 'identity_unlinked',
}

registerEnumType(SecurityEventType, { name: 'SecurityEventType', description: 'What happened to the account.' });

/** One entry of a person's security timeline, written in the transaction of the action it records. */
@Entity({ tableName: 'security_events' })
@Index({ properties: ['user', 'id'] })
@ObjectType({ description: 'Something that happened to your account, with where it came from.' })
export class SecurityEvent {
  /** Serial, so events of one transaction keep the order they happened in. */
  @PrimaryKey({ type: 'bigint', autoincrement: true })
  @Field(() => ID)
  id!: string;

  @ManyToOne(() => User, { deleteRule: 'cascade' })
  user!: User;

  @Enum({ items: () => SecurityEventType })
  @Field(() => SecurityEventType)
  type!: SecurityEventType;

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  @Field(() => GraphQLDateTimeISO)
  createdAt: Date = new Date();

  @Property({ type: 'string', length: 64, nullable: true })
  @Field(() => String, { nullable: true })
  ip?: string | null;

  @Property({ type: 'string', length: 512, nullable: true })
  @Field(() => String, { nullable: true })
  userAgent?: string | null;

  /** The session involved, if any; kept as a plain id so the event outlives the session row. */
  @Property({ type: 'uuid', nullable: true })
  @Field(() => ID, { nullable: true })
  sessionId?: string | null;
}

export const securityEntities = [SecurityEvent];
