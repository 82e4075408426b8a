import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { MailConfig } from '../config';
import { Seal } from '../crypto/seal';
import type { Database } from '../db/database';
import { isCodeMailKind, type MailMessage, type QueuedMail } from './mail.types';
import { MailOutbox } from './outbox.entity';
import { type ClaimedMail, OutboxStore } from './outbox.store';
import { OutboxWakeSubscriber } from './outbox.wake';
import { createRenderer, type MailRenderer } from './renderer';
import { createTransport, type MailTransport } from './transport';

export interface OutboxLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** Worker tuning; the defaults suit production, tests shorten them. */
export interface OutboxOptions {
  /** Fallback when no wake-up comes (another instance enqueued, a retry fell due). */
  pollIntervalMs?: number;
  /** First retry delay; each later one doubles, up to MAIL_RETRY_MAX_BACKOFF, with jitter. */
  retryBaseMs?: number;
  templatesDir?: string;
}

const DEFAULTS: Required<Omit<OutboxOptions, 'templatesDir'>> = {
  pollIntervalMs: 2_000,
  retryBaseMs: 5_000,
};

/**
 * The only way the product sends mail. `enqueue` writes a row in the caller's transaction,
 * so a mail exists exactly when the change that causes it was committed; the worker then
 * delivers it, at least once: a crash between the send and the mark resends the mail with
 * the same Message-ID (one per row), which receiving servers and clients can collapse.
 * An outage delays a mail (retries for MAIL_RETRY_FOR, at most MAIL_RETRY_MAX_BACKOFF apart);
 * a code mail whose code expires first is dropped, never sent late.
 */
export class Outbox {
  private readonly store: OutboxStore;
  private readonly seal: Seal;
  private readonly transport: MailTransport;
  private readonly renderer: Promise<MailRenderer>;
  private readonly options: Required<Omit<OutboxOptions, 'templatesDir'>>;
  private readonly messageIdDomain: string;
  private starting: Promise<void> | null = null;
  private loop: Promise<void> | null = null;
  private running = false;
  private stopping = false;
  private wakeRequested = false;
  private wakeSleeper: (() => void) | null = null;

  constructor(private readonly deps: { database: Database; settings: MailConfig; dataDir: string; log: OutboxLogger; options?: OutboxOptions }) {
    const { database, settings, dataDir, log, options = {} } = deps;
    this.options = { ...DEFAULTS, ...options };
    this.store = new OutboxStore(() => database.fork());
    // A key of its own, so this use of CODE_SECRET can never collide with the code HMAC.
    this.seal = new Seal(settings.sealSecret, 'girok mail outbox code');
    this.transport = createTransport(settings, dataDir, log);
    this.messageIdDomain = /@([\w.-]+)>?\s*$/.exec(settings.from)?.[1] ?? 'localhost';
    // Compiled now, once; start() awaits it, so a broken template stops boot.
    this.renderer = createRenderer({ appName: settings.appName, templatesDir: options.templatesDir });
    // start() reports a broken template; until then it must not surface as an unhandled rejection.
    this.renderer.catch(() => undefined);
    database.orm.em.getEventManager().registerSubscriber(new OutboxWakeSubscriber(() => this.wake()));
  }

  /** Adds a mail to the caller's unit of work; it is written when that transaction commits. */
  enqueue(em: EntityManager, message: QueuedMail): void {
    const row = new MailOutbox();
    row.kind = message.kind;
    row.recipient = message.to;
    row.locale = message.locale;
    if ('code' in message) {
      row.codeSealed = this.seal.seal(message.code, row.id);
      row.expiresAt = message.expiresAt;
    }
    em.persist(row);
  }

  /** Drops the mails still waiting to go to these addresses, in the caller's transaction (a deleted account's). */
  dropPending(em: EntityManager, recipients: readonly string[]): Promise<number> {
    return this.store.dropPending(em, recipients);
  }

  /** Deletes up to `limit` settled mails past MAIL_RETENTION; returns how many (src/maintenance). */
  purgeSettled(em: EntityManager, limit: number): Promise<number> {
    return this.store.purge(em, this.deps.settings.retentionSeconds, limit);
  }

  /** Rows waiting and rows given up, for /metrics. */
  countUnsent(): Promise<Record<'pending' | 'failed', number>> {
    return this.store.countUnsent();
  }

  /** Resolves once the templates compiled and the worker runs; rejects naming a broken template. */
  start(): Promise<void> {
    this.starting ??= this.renderer.then(() => {
      if (this.stopping) return;
      this.running = true;
      this.loop = this.run();
      this.deps.log.info({ transport: this.deps.settings.smtpUrl ? 'smtp' : 'eml files' }, 'mail outbox worker started');
    });
    return this.starting;
  }

  /** Stops claiming and lets the send in flight finish (it is bounded by MAIL_SEND_TIMEOUT). */
  async stop(): Promise<void> {
    this.stopping = true;
    this.running = false;
    this.wake();
    await this.starting?.catch(() => undefined);
    await this.loop;
    this.transport.close();
  }

  /** Makes the worker look for due rows now instead of at its next poll. */
  wake(): void {
    this.wakeRequested = true;
    this.wakeSleeper?.();
  }

  private async run(): Promise<void> {
    const renderer = await this.renderer;
    while (this.running) {
      let delivered = false;
      try {
        delivered = await this.deliverNext(renderer);
      } catch (error) {
        this.deps.log.error({ err: error }, 'mail outbox: worker step failed; retrying after the poll interval');
      }
      if (this.running && !delivered) await this.sleep(this.options.pollIntervalMs);
    }
  }

  /** Claims one due row (the lease covers exactly this send) and settles it; false when none was due. */
  private async deliverNext(renderer: MailRenderer): Promise<boolean> {
    const claim = randomUUID();
    const { settings } = this.deps;
    const row = await this.store.claimNext(claim, settings.leaseSeconds, settings.retryFor);
    if (!row) return false;
    if (!this.running) {
      await this.store.release(row.id, claim);
      return false;
    }
    await this.deliver(row, claim, renderer);
    return true;
  }

  private async deliver(row: ClaimedMail, claim: string, renderer: MailRenderer): Promise<void> {
    const { log } = this.deps;
    const about = { mailId: row.id, kind: row.kind, attempt: row.attempts };
    if (row.codeExpired) {
      await this.store.markExpired(row.id, claim);
      log.warn(about, 'mail outbox: dropped a code mail whose code expired before it could be sent');
      return;
    }
    const message = this.messageOf(row);
    if (!message) {
      // Only a changed CODE_SECRET gets here; no retry can open the code again.
      await this.store.markFailed(row.id, claim, 'cannot open the sealed code');
      log.error(about, 'mail outbox: sealed code does not open (CODE_SECRET changed?); mail dropped');
      return;
    }
    try {
      const mail = renderer.render(message);
      await this.transport.send({ ...mail, to: row.recipient, messageId: `<${row.id}@${this.messageIdDomain}>` });
    } catch (error) {
      const reason = (error as Error).message.slice(0, 500);
      if (row.retriedLongEnough) {
        await this.store.markFailed(row.id, claim, reason);
        log.error({ ...about, reason }, 'mail outbox: giving up on a mail after MAIL_RETRY_FOR');
      } else {
        const delayMs = this.backoff(row.attempts);
        await this.store.retryLater(row.id, claim, delayMs, reason);
        log.warn({ ...about, reason, retryInMs: Math.round(delayMs) }, 'mail outbox: send failed; will retry');
      }
      return;
    }
    if (!(await this.store.markSent(row.id, claim))) {
      log.warn(about, 'mail outbox: lease ran out during the send; another worker may send this mail again');
    }
  }

  private messageOf(row: ClaimedMail): MailMessage | null {
    const base = { to: row.recipient, locale: row.locale };
    if (!isCodeMailKind(row.kind)) return { ...base, kind: row.kind };
    const code = row.codeSealed ? this.seal.open(row.codeSealed, row.id) : null;
    if (!code) return null;
    // Said as the time left now, so a mail delayed by an outage does not overstate it.
    const expiresInMinutes = Math.max(1, Math.ceil(((row.expiresAt?.getTime() ?? Date.now()) - Date.now()) / 60_000));
    return { ...base, kind: row.kind, code: code.toString('utf8'), expiresInMinutes };
  }

  /** Exponential from retryBaseMs, capped at MAIL_RETRY_MAX_BACKOFF, with "equal jitter" so workers spread out. */
  private backoff(attempt: number): number {
    const ceiling = Math.min(this.deps.settings.retryMaxBackoff * 1000, this.options.retryBaseMs * 2 ** Math.min(attempt - 1, 30));
    return ceiling / 2 + (Math.random() * ceiling) / 2;
  }

  private sleep(ms: number): Promise<void> {
    if (this.wakeRequested) {
      this.wakeRequested = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakeSleeper = null;
        this.wakeRequested = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeSleeper = done;
    });
  }
}
