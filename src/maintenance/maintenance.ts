import type { EntityManager } from '@mikro-orm/postgresql';

/** One kind of row that ends: deletes up to `limit` of them that are due, returns how many. */
export interface PurgeTask {
  readonly kind: string;
  purge(em: EntityManager, limit: number): Promise<number>;
}

export interface MaintenanceLogger {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface MaintenanceDeps {
  /** A fresh unit of work per batch: each batch is its own short statement. */
  fork: () => EntityManager;
  tasks: readonly PurgeTask[];
  intervalSeconds: number;
  log: MaintenanceLogger;
  /** Told how many rows of a kind went, for /metrics. */
  onPurged?: (kind: string, rows: number) => void;
}

/** Rows per statement: small enough that no batch holds locks for long. */
const BATCH = 500;

/**
 * The periodic purge of everything that has ended, on every instance: every
 * MAINTENANCE_INTERVAL seconds each task deletes its due rows in batches until none are left.
 * Each batch is one autocommitted `DELETE … FOR UPDATE SKIP LOCKED`, so instances purging at
 * once take disjoint rows and a row a sign-in holds is simply left for the next round. A failed
 * round is logged and tried again at the next interval; it never stops the server.
 */
export class Maintenance {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(private readonly deps: MaintenanceDeps) {}

  start(): void {
    this.stopped = false;
    this.schedule();
  }

  /** Stops scheduling and waits for a round in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  /** Runs every task once, to the end; returns the rows removed by kind. */
  async runOnce(): Promise<Record<string, number>> {
    const removed: Record<string, number> = {};
    for (const task of this.deps.tasks) {
      let total = 0;
      for (;;) {
        const rows = await task.purge(this.deps.fork(), BATCH);
        total += rows;
        if (rows < BATCH || this.stopped) break;
      }
      if (total > 0) {
        removed[task.kind] = total;
        this.deps.onPurged?.(task.kind, total);
      }
    }
    if (Object.keys(removed).length) this.deps.log.info({ purged: removed }, 'maintenance: purged rows that have ended');
    return removed;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.runOnce()
        .then(() => undefined)
        .catch((error: unknown) => this.deps.log.error({ err: error }, 'maintenance: purge failed; trying again at the next interval'))
        .finally(() => {
          this.running = null;
          this.schedule();
        });
    }, this.deps.intervalSeconds * 1000);
    this.timer.unref();
  }
}
