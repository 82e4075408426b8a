import { randomUUID } from 'node:crypto';
import { Entity, Index, ManyToOne, PrimaryKey, Property } from '@mikro-orm/core';
import { Field, ID, ObjectType } from 'type-graphql';
import { GraphQLDateTimeISO } from 'graphql-scalars';
import { User } from '../users/user.entity';

/** One login, one refresh-token family. Revoking it ends every token of the family at once. */
@Entity({ tableName: 'sessions' })
@ObjectType({ description: 'A signed-in device or browser.' })
export class Session {
  @PrimaryKey({ type: 'uuid' })
  @Field(() => ID)
  id: string = randomUUID();

  @ManyToOne(() => User, { deleteRule: 'cascade' })
  @Index()
  user!: User;

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  @Field(() => GraphQLDateTimeISO)
  createdAt: Date = new Date();

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  @Field(() => GraphQLDateTimeISO, { description: 'Last login or refresh of this session.' })
  lastUsedAt: Date = new Date();

  @Property({ type: 'datetime' })
  @Field(() => GraphQLDateTimeISO, { description: 'When it ends unless refreshed before; each refresh moves it.' })
  expiresAt!: Date;

  @Property({ type: 'datetime', nullable: true })
  revokedAt?: Date | null;

  /** Why it ended: logout, reuse, revoked, password_change, password_reset. */
  @Property({ type: 'string', length: 32, nullable: true })
  revokedReason?: string | null;

  @Property({ type: 'string', length: 512, nullable: true })
  @Field(() => String, { nullable: true, description: 'User-Agent of the last login or refresh.' })
  userAgent?: string | null;

  @Property({ type: 'string', length: 64, nullable: true })
  @Field(() => String, { nullable: true, description: 'Client address of the last login or refresh (behind a proxy, see TRUST_PROXY).' })
  ip?: string | null;
}
