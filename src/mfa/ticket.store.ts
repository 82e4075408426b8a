import type { EntityManager } from '@mikro-orm/postgresql';
import { sha256 } from '../crypto/digest';
import { opaqueToken } from '../crypto/random';
import { sql, sqlCount } from '../db/sql';
import type { AuthMethod } from '../viewer/viewer';

/** Seconds a sign-in waits for its second factor. */
export const MFA_TICKET_TTL = 300;
/** Wrong codes one pending sign-in takes before it is dead. */
export const MFA_TICKET_MAX_ATTEMPTS = 5;

export interface IssuedTicket {
  /** The `mfaToken` the client gets; only its SHA-256 is stored. */
  token: string;
  expiresAt: Date;
}

/** One counted try at a ticket. */
export type TicketTry =
  | { outcome: 'live'; id: string; userId: string; amr: AuthMethod[]; attemptsLeft: number }
  | { outcome: 'expired' }
  | { outcome: 'exhausted' }
  /** Unknown, or already completed. */
  | { outcome: 'unknown' };

/**
 * Pending sign-ins (`mfa_tickets`): 256-bit opaque tokens stored as SHA-256, single use,
 * MFA_TICKET_TTL seconds, and at most MFA_TICKET_MAX_ATTEMPTS tries, each counted by one atomic
 * UPDATE so parallel guesses cannot get past the cap.
 */
export class MfaTicketStore {
  async issue(em: EntityManager, userId: string, amr: readonly AuthMethod[]): Promise<IssuedTicket> {
    const token = opaqueToken();
    const [row] = await sql<{ expires_at: Date | string }>(
      em,
      `insert into mfa_tickets (id, token_hash, user_id, amr, attempts, created_at, expires_at)
       values (gen_random_uuid(), ?, ?, ?, 0, now(), now() + make_interval(secs => ?)) returning expires_at`,
      [sha256(token), userId, amr.join(' '), MFA_TICKET_TTL],
    );
    return { token, expiresAt: new Date(row.expires_at) };
  }

  /** Counts one try at the ticket; commit it whatever the code turns out to be. */
  async try(em: EntityManager, token: string): Promise<TicketTry> {
    const hash = sha256(token);
    const [row] = await sql<{ id: string; user_id: string; amr: string; attempts: number; expired: boolean }>(
      em,
      `update mfa_tickets set attempts = attempts + 1
        where token_hash = ? and consumed_at is null and attempts < ?
        returning id, user_id, amr, attempts, expires_at <= now() as expired`,
      [hash, MFA_TICKET_MAX_ATTEMPTS],
    );
    if (!row) {
      const [dead] = await sql(em, 'select 1 as n from mfa_tickets where token_hash = ? and consumed_at is null', [hash]);
      return dead ? { outcome: 'exhausted' } : { outcome: 'unknown' };
    }
    if (row.expired) return { outcome: 'expired' };
    return {
      outcome: 'live',
      id: row.id,
      userId: row.user_id,
      amr: row.amr.split(' ').filter(Boolean) as AuthMethod[],
      attemptsLeft: MFA_TICKET_MAX_ATTEMPTS - row.attempts,
    };
  }

  /** The address of the account a pending ticket belongs to (for its per-account budget), or null. */
  async ownerEmail(em: EntityManager, token: string): Promise<string | null> {
    const [row] = await sql<{ email: string }>(em, 'select u.email from mfa_tickets t join users u on u.id = t.user_id where t.token_hash = ?', [
      sha256(token),
    ]);
    return row?.email ?? null;
  }

  /** Spends the ticket; false when another request spent it first. */
  async consume(em: EntityManager, id: string): Promise<boolean> {
    return (await sqlCount(em, 'update mfa_tickets set consumed_at = now() where id = ? and consumed_at is null', [id])) > 0;
  }

  /**
   * Spends a ticket that is still live (not spent, not expired), for a second factor checked
   * elsewhere (a passkey); returns how the sign-in got this far, or null.
   */
  async consumeLive(em: EntityManager, id: string): Promise<{ userId: string; amr: AuthMethod[] } | null> {
    const [row] = await sql<{ user_id: string; amr: string }>(
      em,
      'update mfa_tickets set consumed_at = now() where id = ? and consumed_at is null and expires_at > now() returning user_id, amr',
      [id],
    );
    return row ? { userId: row.user_id, amr: row.amr.split(' ').filter(Boolean) as AuthMethod[] } : null;
  }

  /** Spends every pending ticket of the account (its factors changed). */
  spendAll(em: EntityManager, userId: string): Promise<number> {
    return sqlCount(em, 'update mfa_tickets set consumed_at = now() where user_id = ? and consumed_at is null', [userId]);
  }

  /** Deletes up to `limit` tickets that were completed or expired; returns how many. */
  purgeSpent(em: EntityManager, limit: number): Promise<number> {
    return sqlCount(
      em,
      `delete from mfa_tickets where id in (select id from mfa_tickets where consumed_at is not null or expires_at < now() limit ? for update skip locked)`,
      [limit],
    );
  }
}
