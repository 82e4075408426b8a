import type { Knex } from '@mikro-orm/postgresql';
import type { Locale } from '../config';
import type { MailKind } from './mail.types';

/** An outbox row as a worker claimed it. */
export interface ClaimedMail {
  id: string;
  kind: MailKind;
  recipient: string;
  locale: Locale;
  codeSealed: Buffer | null;
  expiresInMinutes: number | null;
  attempts: number;
}

/**
 * The outbox's SQL. Every call is one autocommitted statement: no transaction stays open
 * while mail is sent, which the embedded database (one backend for every connection) needs,
 * and a claim is a lease on `next_attempt_at` rather than a row lock held during the send.
 */
export class OutboxStore {
  constructor(private readonly knex: Knex) {}

  /**
   * Leases up to `limit` due rows to `claim`. SKIP LOCKED lets workers claim side by side
   * without waiting on or taking each other's rows; a row whose worker dies comes due again
   * when its lease runs out. Each claim counts as an attempt.
   */
  async claim(claim: string, limit: number, leaseSeconds: number): Promise<ClaimedMail[]> {
    const result = await this.knex.raw(
      `update mail_outbox o
          set claimed_by = ?, attempts = o.attempts + 1, next_attempt_at = now() + make_interval(secs => ?)
         from (select id from mail_outbox
                where status = 'pending' and next_attempt_at <= now()
                order by next_attempt_at
                limit ? for update skip locked) due
        where o.id = due.id
        returning o.id, o.kind, o.recipient, o.locale, o.code_sealed, o.expires_in_minutes, o.attempts`,
      [claim, leaseSeconds, limit],
    );
    return result.rows.map((row: Record<string, unknown>) => ({
      id: row.id,
      kind: row.kind,
      recipient: row.recipient,
      locale: row.locale,
      codeSealed: row.code_sealed,
      expiresInMinutes: row.expires_in_minutes,
      attempts: row.attempts,
    }));
  }

  /** Settles a sent row and drops its code. False when the lease was lost to another worker. */
  async markSent(id: string, claim: string): Promise<boolean> {
    return this.settle(id, claim, 'sent', null);
  }

  /** Gives up on a row for good; its code goes too. */
  async markFailed(id: string, claim: string, error: string): Promise<boolean> {
    return this.settle(id, claim, 'failed', error);
  }

  async retryLater(id: string, claim: string, delayMs: number, error: string): Promise<void> {
    await this.knex.raw(
      `update mail_outbox set claimed_by = null, last_error = ?, next_attempt_at = now() + make_interval(secs => ?)
        where id = ? and claimed_by = ?`,
      [error, delayMs / 1000, id, claim],
    );
  }

  /** Hands rows back unsent and uncounted, e.g. when the worker stops mid-batch. */
  async release(ids: string[], claim: string): Promise<void> {
    if (ids.length === 0) return;
    await this.knex.raw(
      `update mail_outbox set claimed_by = null, attempts = attempts - 1, next_attempt_at = now()
        where id = any(?::uuid[]) and claimed_by = ?`,
      [ids, claim],
    );
  }

  /** Deletes settled rows older than the retention; returns how many. */
  async purge(retentionSeconds: number): Promise<number> {
    const result = await this.knex.raw(
      `delete from mail_outbox where status <> 'pending' and settled_at < now() - make_interval(secs => ?)`,
      [retentionSeconds],
    );
    return result.rowCount ?? 0;
  }

  private async settle(id: string, claim: string, status: 'sent' | 'failed', error: string | null): Promise<boolean> {
    const result = await this.knex.raw(
      `update mail_outbox set status = ?, settled_at = now(), code_sealed = null, claimed_by = null, last_error = ?
        where id = ? and claimed_by = ?`,
      [status, error, id, claim],
    );
    return (result.rowCount ?? 0) > 0;
  }
}
