import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from '../db/sql';
import { BadUserInputError } from '../errors';
import { SecurityEvent } from './security-event.entity';

const MAX_PAGE = 100;

/** A page of a person's security timeline, newest first. */
export interface TimelinePage {
  edges: { cursor: string; node: SecurityEvent }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

/** Reads a person's own security timeline as a cursor connection. */
export class SecurityTimeline {
  async page(em: EntityManager, userId: string, first: number, after: string | null | undefined): Promise<TimelinePage> {
    if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE) throw new BadUserInputError('first', `first must be from 1 to ${MAX_PAGE}`);
    const before = after == null ? null : decodeCursor(after);
    const rows = await em.find(SecurityEvent, { user: userId, ...(before ? { id: { $lt: before } } : {}) }, { orderBy: { id: 'desc' }, limit: first + 1 });
    const edges = rows.slice(0, first).map((node) => ({ cursor: encodeCursor(node.id), node }));
    return { edges, pageInfo: { hasNextPage: rows.length > first, endCursor: edges.at(-1)?.cursor ?? null } };
  }
}

/** A new event as realtime subscribers are told of it: the row, and whose it is. */
export interface NewSecurityEvent {
  userId: string;
  event: SecurityEvent;
}

/** Reads events by id for realtime delivery: a notice carries only ids, the row is read here. */
export class SecurityEventReader {
  /** The event `id` of `userId`, or null when there is none (purged, or not theirs). */
  find(em: EntityManager, userId: string, id: string): Promise<SecurityEvent | null> {
    return em.findOne(SecurityEvent, { id, user: userId });
  }

  /** Who owns the events after `afterId`, oldest first (the embedded database's stand-in for NOTIFY). */
  async since(em: EntityManager, afterId: string, limit: number): Promise<{ id: string; userId: string }[]> {
    const rows = await sql<{ id: string; user_id: string }>(
      em,
      `select id::text as id, user_id::text as user_id from security_events where id > ? order by id limit ?`,
      [afterId, limit],
    );
    return rows.map((row) => ({ id: row.id, userId: row.user_id }));
  }

  /** The id of the newest event, '0' when there is none. */
  async lastId(em: EntityManager): Promise<string> {
    const [row] = await sql<{ id: string | null }>(em, `select max(id)::text as id from security_events`);
    return row?.id ?? '0';
  }
}

function encodeCursor(id: string): string {
  return Buffer.from(`se:${id}`).toString('base64url');
}

function decodeCursor(cursor: string): string {
  const match = /^se:(\d{1,19})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw new BadUserInputError('after', 'after is not a cursor from this list');
  return match[1];
}
