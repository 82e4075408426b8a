import { randomUUID } from 'node:crypto';
import { Entity, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { Field, ID, ObjectType } from 'type-graphql';
import { GraphQLDateTimeISO } from 'graphql-scalars';
import type { Locale } from '../config';

/** An account. The password hash is a column with no @Field, so it can never reach the schema. */
@Entity({ tableName: 'users' })
@ObjectType({ description: 'An account, identified by its email address.' })
export class User {
  [OptionalProps]?: 'emailVerified' | 'registrationContested' | 'locale' | 'roles' | 'disabled' | 'createdAt' | 'updatedAt';

  @PrimaryKey({ type: 'uuid' })
  @Field(() => ID)
  id: string = randomUUID();

  /** One spelling of the address (users/email-address.ts); unique in the database. */
  @Property({ type: 'string', length: 254, unique: true })
  @Field(() => String)
  email!: string;

  /** Null while no password may sign in: a contested pending registration. */
  @Property({ type: 'text', nullable: true, hidden: true, lazy: true })
  passwordHash?: string | null;

  @Property({ type: 'boolean', default: false })
  @Field(() => Boolean)
  emailVerified: boolean = false;

  /**
   * A pending registration that saw attempts with different passwords: whoever verifies the
   * address is signed in, but none of those passwords becomes usable.
   */
  @Property({ type: 'boolean', default: false })
  registrationContested: boolean = false;

  @Property({ type: 'string', length: 8, default: 'en' })
  locale: Locale = 'en';

  /** Granted by an administrator, from the closed list ROLES; read live on every request. */
  @Property({ type: 'text[]', defaultRaw: `'{}'` })
  @Field(() => [String], { description: 'Roles an administrator granted (the `roles` claim).' })
  roles: string[] = [];

  /** Set by an administrator: no sign-in, no live session. */
  @Property({ type: 'boolean', default: false })
  @Field(() => Boolean, { description: 'True while an administrator has disabled the account: it cannot sign in.' })
  disabled: boolean = false;

  /** The address an email change waits to confirm; it means something only while its code lives. */
  @Property({ type: 'string', length: 254, nullable: true, hidden: true })
  pendingEmail?: string | null;

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  @Field(() => GraphQLDateTimeISO)
  createdAt: Date = new Date();

  @Property({ type: 'datetime', defaultRaw: 'now()', onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}

export const userEntities = [User];
