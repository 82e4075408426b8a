import type { EntityManager } from '@mikro-orm/postgresql';
import { sha256 } from '../crypto/digest';
import { opaqueToken } from '../crypto/random';
import { sql, sqlCount } from '../db/sql';

/** Seconds a flow may take at the provider (its state, nonce and PKCE verifier live this long). */
export const OAUTH_STATE_TTL = 600;
/** Seconds the app has to trade the ticket of a finished flow for a session. */
export const OAUTH_TICKET_TTL = 60;

/** What a flow keeps server-side while the browser is at the provider. */
export interface PendingFlow {
  provider: string;
  nonce: string;
  codeVerifier: string;
  redirectUrl: string;
  /** Set when a signed-in account links this provider (`startOAuth(link: true)`). */
  linkUserId: string | null;
}

/** The state presented at the callback: unknown (forged, replayed, of another provider), expired, or live. */
export type SpentState =
  | { outcome: 'unknown' }
  | { outcome: 'expired'; redirectUrl: string }
  /** `bindingHash`: SHA-256 of the cookie the browser got on its way to the provider (null if it never went). */
  | { outcome: 'live'; flow: PendingFlow; bindingHash: Buffer | null };

/**
 * The flows in progress (`oauth_states`) and the tickets of finished ones (`oauth_tickets`).
 * Both are 256-bit opaque values stored as SHA-256 and spent by one atomic UPDATE, so each
 * works once even under parallel requests.
 */
export class FlowStore {
  /** Records a new flow under its `state` (a 256-bit opaque value). */
  async open(em: EntityManager, state: string, flow: PendingFlow): Promise<void> {
    await sql(
      em,
      `insert into oauth_states (id, state_hash, provider, nonce, code_verifier, redirect_url, link_user_id, created_at, expires_at)
       values (gen_random_uuid(), ?, ?, ?, ?, ?, ?, now(), now() + make_interval(secs => ?))`,
      [sha256(state), flow.provider, flow.nonce, flow.codeVerifier, flow.redirectUrl, flow.linkUserId, OAUTH_STATE_TTL],
    );
  }

  /**
   * The browser is on its way to the provider: binds the flow to it (the cookie `binding`, stored
   * as SHA-256), once. Null for a flow unknown, spent, expired or already on its way.
   */
  async bind(em: EntityManager, provider: string, state: string, binding: string): Promise<PendingFlow | null> {
    const [row] = await sql<{ nonce: string; code_verifier: string; redirect_url: string; link_user_id: string | null }>(
      em,
      `update oauth_states set binding_hash = ?
        where state_hash = ? and provider = ? and consumed_at is null and binding_hash is null and expires_at > now()
        returning nonce, code_verifier, redirect_url, link_user_id`,
      [sha256(binding), sha256(state), provider],
    );
    return row ? { provider, nonce: row.nonce, codeVerifier: row.code_verifier, redirectUrl: row.redirect_url, linkUserId: row.link_user_id } : null;
  }

  /** Spends the state of a callback to `provider` (whatever comes next, it never works again). */
  async spend(em: EntityManager, provider: string, state: string): Promise<SpentState> {
    const [row] = await sql<{
      nonce: string;
      code_verifier: string;
      redirect_url: string;
      link_user_id: string | null;
      binding_hash: Buffer | null;
      expired: boolean;
    }>(
      em,
      `update oauth_states set consumed_at = now()
        where state_hash = ? and provider = ? and consumed_at is null
        returning nonce, code_verifier, redirect_url, link_user_id, binding_hash, expires_at <= now() as expired`,
      [sha256(state), provider],
    );
    if (!row) return { outcome: 'unknown' };
    if (row.expired) return { outcome: 'expired', redirectUrl: row.redirect_url };
    return {
      outcome: 'live',
      flow: { provider, nonce: row.nonce, codeVerifier: row.code_verifier, redirectUrl: row.redirect_url, linkUserId: row.link_user_id },
      bindingHash: row.binding_hash ? Buffer.from(row.binding_hash) : null,
    };
  }

  /** A ticket for the account a finished flow resolved to; only its SHA-256 is stored. */
  async issueTicket(em: EntityManager, userId: string): Promise<string> {
    const ticket = opaqueToken();
    await sql(
      em,
      `insert into oauth_tickets (id, ticket_hash, user_id, created_at, expires_at) values (gen_random_uuid(), ?, ?, now(), now() + make_interval(secs => ?))`,
      [sha256(ticket), userId, OAUTH_TICKET_TTL],
    );
    return ticket;
  }

  /** Spends a live ticket; the account it was for, or null (unknown, used or expired). */
  async spendTicket(em: EntityManager, ticket: string): Promise<string | null> {
    const [row] = await sql<{ user_id: string }>(
      em,
      'update oauth_tickets set consumed_at = now() where ticket_hash = ? and consumed_at is null and expires_at > now() returning user_id',
      [sha256(ticket)],
    );
    return row?.user_id ?? null;
  }

  /** Deletes up to `limit` states and tickets that were spent or expired; returns how many. */
  async purgeEnded(em: EntityManager, limit: number): Promise<number> {
    const states = await sqlCount(
      em,
      `delete from oauth_states where id in (select id from oauth_states where consumed_at is not null or expires_at < now() limit ? for update skip locked)`,
      [limit],
    );
    const tickets = await sqlCount(
      em,
      `delete from oauth_tickets where id in (select id from oauth_tickets where consumed_at is not null or expires_at < now() limit ? for update skip locked)`,
      [limit],
    );
    return states + tickets;
  }
}
