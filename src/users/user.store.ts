import type { EntityManager } from '@mikro-orm/postgresql';
import { sqlCount } from '../db/sql';

/** The SQL about accounts as a whole. */
export class UserStore {
  /**
   * Deletes up to `limit` registrations never verified within `retentionSeconds`, with their
   * codes, sessions and events (foreign keys cascade); returns how many. The address can then
   * sign up afresh.
   */
  purgeUnverified(em: EntityManager, retentionSeconds: number, limit: number): Promise<number> {
    return sqlCount(
      em,
      `delete from users where id in (
         select id from users where not email_verified and created_at < now() - make_interval(secs => ?) limit ? for update skip locked)`,
      [retentionSeconds, limit],
    );
  }
}
