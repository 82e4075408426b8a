import type { EntityManager } from '@mikro-orm/postgresql';
import { sql, sqlCount } from '../db/sql';
import type { ClientInfo } from '../viewer/viewer';
import { SecurityEventType } from './security-event.entity';

export { SecurityEventType };

/** One entry of a person's security timeline. */
export interface SecurityEventInput {
  userId: string;
  type: SecurityEventType;
  client: ClientInfo;
  sessionId?: string | null;
}

/**
 * The only writer of `security_events`. Each event is inserted at once in the caller's unit
 * of work, so it commits (or not) with the action it records. With a `channel`, the same
 * statement NOTIFYs `<user id>:<event id>` on it: PostgreSQL delivers a notification only when
 * its transaction commits, so a listener (src/realtime) never hears of an event rolled back.
 */
export class SecurityLog {
  constructor(
    private readonly log?: { error(obj: object, msg: string): void },
    private readonly channel: string | null = null,
  ) {}

  /**
   * Records an event after the current answer has gone out, on a unit of work of its own. For
   * an event whose write must not show in the answer's timing (a failed login: an unknown
   * address writes nothing, so a registered one must not answer later for its write).
   */
  recordAfterAnswer(fork: () => EntityManager, event: SecurityEventInput): void {
    setImmediate(() => {
      this.record(fork(), event).catch((error: unknown) =>
        this.log?.error({ err: error, type: event.type }, 'security log: a deferred event could not be written'),
      );
    });
  }

  async record(em: EntityManager, event: SecurityEventInput): Promise<void> {
    const values = [event.userId, event.type, event.client.ip?.slice(0, 64) ?? null, event.client.userAgent?.slice(0, 512) ?? null, event.sessionId ?? null];
    const insert = `insert into security_events (user_id, type, created_at, ip, user_agent, session_id) values (?, ?, now(), ?, ?, ?)`;
    if (!this.channel) {
      await sql(em, insert, values);
      return;
    }
    // One statement, so even outside a transaction the notice cannot go without its row.
    await sql(em, `with e as (${insert} returning id, user_id) select pg_notify(?, e.user_id || ':' || e.id) from e`, [...values, this.channel]);
  }

  /** Deletes up to `limit` events older than `retentionSeconds`; returns how many. */
  purgeOlderThan(em: EntityManager, retentionSeconds: number, limit: number): Promise<number> {
    return sqlCount(
      em,
      `delete from security_events where id in (
         select id from security_events where created_at < now() - make_interval(secs => ?) limit ? for update skip locked)`,
      [retentionSeconds, limit],
    );
  }
}
