import { randomUUID } from 'node:crypto';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { Config } from '../config';
import { CodeSeal } from './code-seal';
import type { MailMessage } from './mail.types';
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
  batchSize?: number;
  /** How long a claim keeps other workers off a row; must outlast one SMTP exchange. */
  leaseSeconds?: number;
  /** First retry delay; each later one doubles, up to retryMaxMs, with jitter. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  purgeIntervalMs?: number;
  templatesDir?: string;
}

const DEFAULTS: Required<Omit<OutboxOptions, 'templatesDir'>> = {
  pollIntervalMs: 2_000,
  batchSize: 10,
  leaseSeconds: 120,
  retryBaseMs: 5_000,
  retryMaxMs: 15 * 60_000,
  purgeIntervalMs: 60_000,
};

/**
 * The only way the product sends mail. `enqueue` writes a row in the caller's transaction,
 * so a mail exists exactly when the change that causes it was committed; the worker then
 * delivers it, at least once: a crash between the send and the mark resends the mail with
 * the same Message-ID (one per row), which receiving servers and clients can collapse.
 */
export class Outbox {
  private readonly store: OutboxStore;
  private readonly seal: CodeSeal;
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
  private lastPurge = 0;

  constructor(private readonly deps: { orm: MikroORM; config: Config; log: OutboxLogger; options?: OutboxOptions }) {
    const { orm, config, log, options = {} } = deps;
    this.options = { ...DEFAULTS, ...options };
    this.store = new OutboxStore(orm.em.getKnex());
    this.seal = new CodeSeal(config.codes.secret);
    this.transport = createTransport(config, log);
    this.messageIdDomain = /@([\w.-]+)>?\s*$/.exec(config.mail.from)?.[1] ?? 'localhost';
    // Compiled now, once; start() awaits it, so a broken template stops boot.
    this.renderer = createRenderer({ appName: config.appName, templatesDir: options.templatesDir });
    // start() reports a broken template; until then it must not surface as an unhandled rejection.
    this.renderer.catch(() => undefined);
    orm.em.getEventManager().registerSubscriber(new OutboxWakeSubscriber(() => this.wake()));
  }

  /** Adds a mail to the caller's unit of work; it is written when that transaction commits. */
  enqueue(em: EntityManager, message: MailMessage): void {
    const row = new MailOutbox();
    row.kind = message.kind;
    row.recipient = message.to;
    row.locale = message.locale;
    if ('code' in message) {
      row.codeSealed = this.seal.seal(row.id, message.code);
      row.expiresInMinutes = message.expiresInMinutes;
    }
    em.persist(row);
  }

  /** Resolves once the templates compiled and the worker runs; rejects naming a broken template. */
  start(): Promise<void> {
    this.starting ??= this.renderer.then(() => {
      if (this.stopping) return;
      this.running = true;
      this.loop = this.run();
      this.deps.log.info({ transport: this.deps.config.mail.smtpUrl ? 'smtp' : 'eml files' }, 'mail outbox worker started');
    });
    return this.starting;
  }

  /** Stops claiming, lets the send in flight finish and hands unsent claimed rows back. */
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
      let claimed = 0;
      try {
        await this.purgeIfDue();
        claimed = await this.deliverBatch(renderer);
      } catch (error) {
        this.deps.log.error({ err: error }, 'mail outbox: worker step failed; retrying after the poll interval');
      }
      if (this.running && claimed < this.options.batchSize) await this.sleep(this.options.pollIntervalMs);
    }
  }

  private async deliverBatch(renderer: MailRenderer): Promise<number> {
    const claim = randomUUID();
    const rows = await this.store.claim(claim, this.options.batchSize, this.options.leaseSeconds);
    for (const [index, row] of rows.entries()) {
      if (!this.running) {
        await this.store.release(rows.slice(index).map((r) => r.id), claim);
        break;
      }
      await this.deliver(row, claim, renderer);
    }
    return rows.length;
  }

  private async deliver(row: ClaimedMail, claim: string, renderer: MailRenderer): Promise<void> {
    const { log, config } = this.deps;
    const about = { mailId: row.id, kind: row.kind, attempt: row.attempts };
    let message: MailMessage;
    try {
      message = this.messageOf(row);
    } catch (error) {
      // Only a changed CODE_SECRET gets here; no retry can open the code again.
      await this.store.markFailed(row.id, claim, `cannot open the sealed code: ${(error as Error).message}`);
      log.error(about, 'mail outbox: sealed code does not open (CODE_SECRET changed?); mail dropped');
      return;
    }
    try {
      const mail = renderer.render(message);
      await this.transport.send({ ...mail, to: row.recipient, messageId: `<${row.id}@${this.messageIdDomain}>` });
    } catch (error) {
      const reason = (error as Error).message.slice(0, 500);
      if (row.attempts >= config.mail.maxAttempts) {
        await this.store.markFailed(row.id, claim, reason);
        log.error({ ...about, reason }, 'mail outbox: giving up on a mail after the last attempt');
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

  private messageOf(row: ClaimedMail): MailMessage {
    const base = { to: row.recipient, locale: row.locale };
    if (row.kind === 'verification-code' || row.kind === 'password-reset-code') {
      const code = this.seal.open(row.id, row.codeSealed ?? Buffer.alloc(0));
      return { ...base, kind: row.kind, code, expiresInMinutes: row.expiresInMinutes ?? 0 };
    }
    return { ...base, kind: row.kind };
  }

  /** Exponential, capped, with "equal jitter": half fixed, half random, so workers spread out. */
  private backoff(attempt: number): number {
    const ceiling = Math.min(this.options.retryMaxMs, this.options.retryBaseMs * 2 ** (attempt - 1));
    return ceiling / 2 + (Math.random() * ceiling) / 2;
  }

  private async purgeIfDue(): Promise<void> {
    if (Date.now() - this.lastPurge < this.options.purgeIntervalMs) return;
    this.lastPurge = Date.now();
    const purged = await this.store.purge(this.deps.config.mail.retentionSeconds);
    if (purged > 0) this.deps.log.info({ purged }, 'mail outbox: purged settled mails past retention');
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
