import { randomUUID } from 'node:crypto';
import { Entity, Index, ManyToOne, PrimaryKey, Property } from '@mikro-orm/core';
import { Field, ID, ObjectType } from 'type-graphql';
import { GraphQLDateTimeISO } from 'graphql-scalars';
import { User } from '../users/user.entity';

/**
 * One login, one refresh-token family. The family is a counter: the current refresh token is the
 * one minted for `refreshCounter` (sessions/refresh-token.ts), so refreshing adds no rows.
 * Revoking the session ends every token of the family at once.
 */
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

  /** The counter of the current refresh token; every earlier one is spent. */
  // MikroORM maps bigint columns to strings (a counter can outgrow a JS number).
  @Property({ type: 'bigint', default: 0 })
  refreshCounter: string = '0';

  /** The counter just before the current one, re-presentable until `previousUntil` (the grace window). */
  @Property({ type: 'bigint', nullable: true })
  previousCounter?: string | null;

  @Property({ type: 'datetime', nullable: true })
  previousUntil?: Date | null;

  /** True when the current token replaced the previous one after a credential change, not a refresh. */
  @Property({ type: 'boolean', default: false })
  previousReplaced: boolean = false;

  /** How the session was authenticated: RFC 8176 values, space-separated (`pwd`, `pwd otp mfa`). */
  @Property({ type: 'string', length: 64, default: 'pwd' })
  amr: string = 'pwd';

  /** When the person last proved who they are in this session (`reauthenticate` moves it). */
  @Property({ type: 'datetime', defaultRaw: 'now()' })
  authTime: Date = new Date();

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
