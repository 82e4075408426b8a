import type { EntityManager } from '@mikro-orm/postgresql';
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

function encodeCursor(id: string): string {
  return Buffer.from(`se:${id}`).toString('base64url');
}

function decodeCursor(cursor: string): string {
  const match = /^se:(\d{1,19})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw new BadUserInputError('after', 'after is not a cursor from this list');
  return match[1];
}
