import { Client } from 'pg';

interface Log {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/**
 * One dedicated connection that LISTENs on a channel and hands each payload on. Pooled
 * connections cannot listen (a notice goes to the session that asked), so this one is its
 * own, and is reopened with a growing pause when it drops; `onReconnect` runs after a gap,
 * since notices sent during it are gone.
 */
export class NotificationListener {
  private client: Client | null = null;
  private stopped = false;
  private retry: NodeJS.Timeout | null = null;
  private pause = 500;

  constructor(
    private readonly url: string,
    private readonly channel: string,
    private readonly handlers: { onNotify(payload: string): void; onReconnect(): void },
    private readonly log: Log,
  ) {
    // The channel goes into SQL as an identifier; config allows only [a-z0-9_].
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(channel)) throw new Error(`not a channel name: ${channel}`);
  }

  /** Opens the connection and LISTENs; rejects when the first attempt fails (boot should see it). */
  async start(): Promise<void> {
    await this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new Client({ connectionString: this.url });
    client.on('notification', (message) => {
      if (message.channel === this.channel && message.payload) this.handlers.onNotify(message.payload);
    });
    client.on('error', (error) => this.dropped(client, error));
    client.on('end', () => this.dropped(client, null));
    try {
      await client.connect();
      await client.query(`LISTEN "${this.channel}"`);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    this.client = client;
    this.pause = 500;
  }

  private dropped(client: Client, error: Error | null): void {
    if (this.stopped || this.client !== client) return;
    this.client = null;
    client.end().catch(() => undefined);
    this.log.warn({ err: error, retryInMs: this.pause }, 'realtime: the LISTEN connection dropped; reconnecting');
    this.schedule();
  }

  private schedule(): void {
    this.retry = setTimeout(() => {
      this.retry = null;
      this.connect().then(
        () => {
          this.log.info({}, 'realtime: listening again');
          this.handlers.onReconnect();
        },
        (error: unknown) => {
          this.log.warn({ err: error }, 'realtime: reconnecting the LISTEN connection failed');
          this.pause = Math.min(this.pause * 2, 30_000);
          this.schedule();
        },
      );
    }, this.pause);
    this.retry.unref();
  }
}
