import { randomUUID } from 'node:crypto';
import { Entity, PrimaryKey, Property } from '@mikro-orm/core';
import { Field, ID, ObjectType } from 'type-graphql';
import { GraphQLDateTimeISO } from 'graphql-scalars';
import type { Locale } from '../config';

/** An account. The password hash is a column with no @Field, so it can never reach the schema. */
@Entity({ tableName: 'users' })
@ObjectType({ description: 'An account, identified by its email address.' })
export class User {
  @PrimaryKey({ type: 'uuid' })
  @Field(() => ID)
  id: string = randomUUID();

  /** Normalized for identity (trimmed, lowercase); unique in the database. */
  @Property({ type: 'string', length: 254, unique: true })
  @Field(() => String)
  email!: string;

  @Property({ type: 'text', hidden: true, lazy: true })
  passwordHash!: string;

  @Property({ type: 'boolean', default: false })
  @Field(() => Boolean)
  emailVerified: boolean = false;

  @Property({ type: 'string', length: 8, default: 'en' })
  locale: Locale = 'en';

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  @Field(() => GraphQLDateTimeISO)
  createdAt: Date = new Date();

  @Property({ type: 'datetime', defaultRaw: 'now()', onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}
