import type { EntityManager } from '@mikro-orm/postgresql';
import type { Locale } from '../config';
import { sql, sqlCount } from '../db/sql';
import type { MailKind } from './mail.types';
import type { OutboxStatus } from './outbox.entity';

/** An outbox row as a worker claimed it. */
export interface ClaimedMail {
  id: string;
  kind: MailKind;
  recipient: string;
  locale: Locale;
  codeSealed: Buffer | null;
  /** The code's expiry, for code mails. */
  expiresAt: Date | null;
  attempts: number;
  /** True once the code has expired (by the database clock): drop, never send. */
  codeExpired: boolean;
  /** True once the mail has been retried for MAIL_RETRY_FOR: the next failure is the last. */
  retriedLongEnough: boolean;
}

interface ClaimRow {
  id: string;
  kind: MailKind;
  recipient: string;
  locale: Locale;
  code_sealed: Buffer | null;
  expires_at: Date | null;
  attempts: number;
  code_expired: boolean;
  retried_long_enough: boolean;
}

/**
 * The outbox's SQL. Every call is one autocommitted statement on a fresh unit of work: no
 * transaction stays open while mail is sent (the embedded database serves every connection
 * from one backend), and a claim is a lease on `next_attempt_at`, not a row lock.
 */
export class OutboxStore {
  constructor(private readonly fork: () => EntityManager) {}

  /**
   * Leases the next due row to `claim` for one send. SKIP LOCKED lets workers claim side by
   * side without waiting on or taking each other's rows; a row whose worker dies comes due
   * again when its lease runs out. Each claim counts as an attempt.
   */
  async claimNext(claim: string, leaseSeconds: number, retryForSeconds: number): Promise<ClaimedMail | null> {
    const [row] = await sql<ClaimRow>(
      this.fork(),
      `update mail_outbox o
          set claimed_by = ?, attempts = o.attempts + 1, next_attempt_at = now() + make_interval(secs => ?)
         from (select id from mail_outbox
                where status = 'pending' and next_attempt_at <= now()
                order by next_attempt_at
                limit 1 for update skip locked) due
        where o.id = due.id
        returning o.id, o.kind, o.recipient, o.locale, o.code_sealed, o.expires_at, o.attempts,
                  coalesce(o.expires_at <= now(), false) as code_expired,
                  o.created_at <= now() - make_interval(secs => ?) as retried_long_enough`,
      [claim, leaseSeconds, retryForSeconds],
    );
    if (!row) return null;
    return {
      id: row.id,
      kind: row.kind,
      recipient: row.recipient,
      locale: row.locale,
      codeSealed: row.code_sealed,
      expiresAt: row.expires_at ? new Date(row.expires_at) : null,
      attempts: row.attempts,
      codeExpired: row.code_expired,
      retriedLongEnough: row.retried_long_enough,
    };
  }

  /** Settles a sent row and drops its code. False when the lease was lost to another worker. */
  markSent(id: string, claim: string): Promise<boolean> {
    return this.settle(id, claim, 'sent', null);
  }

  /** Gives up on a row for good; its code goes too. */
  markFailed(id: string, claim: string, error: string): Promise<boolean> {
    return this.settle(id, claim, 'failed', error);
  }

  /** A code mail whose code died before it could be sent. */
  markExpired(id: string, claim: string): Promise<boolean> {
    return this.settle(id, claim, 'expired', 'the code expired before the mail could be sent');
  }

  async retryLater(id: string, claim: string, delayMs: number, error: string): Promise<void> {
    await sqlCount(
      this.fork(),
      `update mail_outbox set claimed_by = null, last_error = ?, next_attempt_at = now() + make_interval(secs => ?)
        where id = ? and claimed_by = ?`,
      [error, delayMs / 1000, id, claim],
    );
  }

  /** Hands a claimed row back unsent and uncounted, e.g. when the worker stops before sending it. */
  async release(id: string, claim: string): Promise<void> {
    await sqlCount(
      this.fork(),
      `update mail_outbox set claimed_by = null, attempts = attempts - 1, next_attempt_at = now()
        where id = ? and claimed_by = ?`,
      [id, claim],
    );
  }

  /** Deletes the mails still waiting to go to these addresses, in the caller's unit of work; returns how many. */
  dropPending(em: EntityManager, recipients: readonly string[]): Promise<number> {
    if (recipients.length === 0) return Promise.resolve(0);
    return sqlCount(em, `delete from mail_outbox where status = 'pending' and recipient in (${recipients.map(() => '?').join(', ')})`, [...recipients]);
  }

  /** Deletes up to `limit` settled rows older than the retention; returns how many. */
  purge(em: EntityManager, retentionSeconds: number, limit: number): Promise<number> {
    return sqlCount(
      em,
      `delete from mail_outbox where id in (
         select id from mail_outbox where status <> 'pending' and settled_at < now() - make_interval(secs => ?)
          limit ? for update skip locked)`,
      [retentionSeconds, limit],
    );
  }

  /** Rows waiting to be sent and rows given up, for /metrics. */
  async countUnsent(): Promise<Record<'pending' | 'failed', number>> {
    const rows = await sql<{ status: OutboxStatus; count: string }>(
      this.fork(),
      `select status, count(*) as count from mail_outbox where status in ('pending', 'failed') group by status`,
    );
    const counts = { pending: 0, failed: 0 };
    for (const row of rows) counts[row.status as 'pending' | 'failed'] = Number(row.count);
    return counts;
  }

  private async settle(id: string, claim: string, status: OutboxStatus, error: string | null): Promise<boolean> {
    const touched = await sqlCount(
      this.fork(),
      `update mail_outbox set status = ?, settled_at = now(), code_sealed = null, claimed_by = null, last_error = ?
        where id = ? and claimed_by = ?`,
      [status, error, id, claim],
    );
    return touched > 0;
  }
}
