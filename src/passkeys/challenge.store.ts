import type { EntityManager } from '@mikro-orm/postgresql';
import { sql, sqlCount } from '../db/sql';

/** Whom a sign-in challenge may be answered by. */
export interface ChallengeBinding {
  /** The account whose passkeys may answer; null with `userBound` for an address with no account. */
  userId: string | null;
  /** True for a sign-in that named its account (an email or an mfaToken): no other account's passkey answers it. */
  userBound: boolean;
  /** The sign-in waiting for its second factor that this challenge completes. */
  ticketId: string | null;
}

/** A challenge taken for checking: it no longer exists for anyone else. */
export interface TakenChallenge extends ChallengeBinding {
  challenge: string;
  expired: boolean;
}

type TakenRow = { challenge: string; user_id: string | null; user_bound: boolean; ticket_id: string | null; expired: boolean };

function taken(row: TakenRow | undefined): TakenChallenge | null {
  if (!row) return null;
  return { challenge: row.challenge, userId: row.user_id, userBound: row.user_bound, ticketId: row.ticket_id, expired: row.expired };
}

/**
 * The only SQL on `webauthn_challenges`. A challenge is taken by one DELETE … RETURNING, so of
 * two requests answering it at once only one gets it, and a replayed answer finds nothing.
 */
export class ChallengeStore {
  constructor(private readonly ttlSeconds: number) {}

  /** The account's one pending registration, replacing an earlier one. */
  async startRegistration(em: EntityManager, userId: string, challenge: string): Promise<void> {
    await sqlCount(em, `delete from webauthn_challenges where user_id = ? and purpose = 'registration'`, [userId]);
    await sqlCount(
      em,
      `insert into webauthn_challenges (id, purpose, challenge, user_id, user_bound, ticket_id, created_at, expires_at)
       values (gen_random_uuid(), 'registration', ?, ?, true, null, now(), now() + make_interval(secs => ?))`,
      [challenge, userId, this.ttlSeconds],
    );
  }

  /** Takes the account's pending registration; null when there is none. */
  async takeRegistration(em: EntityManager, userId: string): Promise<TakenChallenge | null> {
    const [row] = await sql<TakenRow>(
      em,
      `delete from webauthn_challenges where user_id = ? and purpose = 'registration'
       returning challenge, user_id, user_bound, ticket_id, expires_at <= now() as expired`,
      [userId],
    );
    return taken(row);
  }

  /** A sign-in challenge; returns its id (the `challengeId` the client answers with) and when it dies. */
  async startAuthentication(em: EntityManager, challenge: string, binding: ChallengeBinding): Promise<{ id: string; expiresAt: Date }> {
    const [row] = await sql<{ id: string; expires_at: Date | string }>(
      em,
      `insert into webauthn_challenges (id, purpose, challenge, user_id, user_bound, ticket_id, created_at, expires_at)
       values (gen_random_uuid(), 'authentication', ?, ?, ?, ?, now(), now() + make_interval(secs => ?))
       returning id, expires_at`,
      [challenge, binding.userId, binding.userBound, binding.ticketId, this.ttlSeconds],
    );
    return { id: row.id, expiresAt: new Date(row.expires_at) };
  }

  /** Takes a sign-in challenge by its id; null when it is unknown or was already answered. */
  async takeAuthentication(em: EntityManager, id: string): Promise<TakenChallenge | null> {
    const [row] = await sql<TakenRow>(
      em,
      `delete from webauthn_challenges where id = ? and purpose = 'authentication'
       returning challenge, user_id, user_bound, ticket_id, expires_at <= now() as expired`,
      [id],
    );
    return taken(row);
  }

  /** The address of the account a pending sign-in challenge names, or null. */
  async boundEmail(em: EntityManager, id: string): Promise<string | null> {
    const [row] = await sql<{ email: string }>(em, 'select u.email from webauthn_challenges c join users u on u.id = c.user_id where c.id = ?', [id]);
    return row?.email ?? null;
  }

  /** Deletes up to `limit` expired challenges; returns how many. */
  purgeExpired(em: EntityManager, limit: number): Promise<number> {
    return sqlCount(
      em,
      `delete from webauthn_challenges where id in (select id from webauthn_challenges where expires_at < now() limit ? for update skip locked)`,
      [limit],
    );
  }
}
