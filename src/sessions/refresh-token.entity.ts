import { randomUUID } from 'node:crypto';
import { Entity, Index, ManyToOne, PrimaryKey, Property } from '@mikro-orm/core';
import { Session } from './session.entity';

/**
 * One link of a session's rotation chain. Only the SHA-256 of the token is stored.
 * `successorSealed` holds the next token encrypted under a key derived from this token's
 * plaintext, so a tab that presents this token again inside the grace window receives the
 * same successor (no fork) while the database alone cannot recover it.
 */
@Entity({ tableName: 'refresh_tokens' })
export class RefreshToken {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => Session, { deleteRule: 'cascade' })
  @Index()
  session!: Session;

  @Property({ type: 'bytea', unique: true })
  tokenHash!: Buffer;

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  createdAt: Date = new Date();

  @Property({ type: 'datetime' })
  expiresAt!: Date;

  @Property({ type: 'datetime', nullable: true })
  usedAt?: Date | null;

  @Property({ type: 'bytea', nullable: true })
  successorSealed?: Buffer | null;
}
