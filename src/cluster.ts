import cluster, { type Worker } from 'node:cluster';

/** What a worker tells the primary once it listens. */
export interface WorkerReady {
  type: 'girok:ready';
  url: string;
}

export interface PrimaryOptions {
  workers: number;
  logLevel: string;
  /** How long workers get to drain after SIGTERM before they are killed. */
  drainTimeoutMs?: number;
}

const LEVELS: Record<string, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity };

/**
 * The primary of WEB_CONCURRENCY > 1: forks the workers (they share one port), replaces a
 * worker that dies, and on SIGTERM/SIGINT lets every worker drain before exiting.
 * Migrations need no coordination here: each worker's boot takes the advisory lock.
 */
export function runPrimary(options: PrimaryOptions): void {
  const threshold = LEVELS[options.logLevel] ?? LEVELS.info;
  // One JSON line like pino's, so the primary's lines sit in the same log as the workers'.
  const log = (level: 'info' | 'warn' | 'error', fields: object, msg: string) => {
    if (LEVELS[level] < threshold) return;
    process.stdout.write(JSON.stringify({ level: LEVELS[level], time: Date.now(), pid: process.pid, role: 'primary', ...fields, msg }) + '\n');
  };

  let stopping = false;
  let everReady = false;
  let quickDeaths = 0;
  const started = new Map<number, number>();
  const ready = new Set<number>();

  const fork = (): Worker => {
    const worker = cluster.fork();
    started.set(worker.id, Date.now());
    worker.on('message', (message: WorkerReady) => {
      if (message?.type !== 'girok:ready') return;
      ready.add(worker.id);
      if (!everReady && ready.size === options.workers) {
        everReady = true;
        log('info', { workers: options.workers, url: message.url }, 'all workers are ready');
        console.log(`Girok Auth listening: GraphQL at ${message.url} (${options.workers} workers)`);
      }
    });
    return worker;
  };

  cluster.on('exit', (worker, code, signal) => {
    const wasReady = ready.delete(worker.id);
    const lived = Date.now() - (started.get(worker.id) ?? 0);
    started.delete(worker.id);
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) finish();
      return;
    }
    if (!wasReady && !everReady) {
      // A worker that cannot boot (database down, bad key file) would only crash again.
      log('error', { worker: worker.process.pid, code, signal }, 'a worker failed to start; stopping');
      stopAll(1);
      return;
    }
    // Back off when workers keep dying young, so a crash loop does not spin the CPU.
    quickDeaths = lived < 10_000 ? quickDeaths + 1 : 0;
    const delay = quickDeaths ? Math.min(30_000, 100 * 2 ** quickDeaths) : 0;
    log('warn', { worker: worker.process.pid, code, signal, restartInMs: delay }, 'worker died; starting a replacement');
    setTimeout(() => stopping || fork(), delay);
  });

  let exitCode = 0;
  let killTimer: NodeJS.Timeout | undefined;
  const stopAll = (code: number) => {
    if (stopping) return;
    stopping = true;
    exitCode = code;
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => Boolean(w));
    if (workers.length === 0) return finish();
    for (const worker of workers) worker.process.kill('SIGTERM');
    killTimer = setTimeout(() => {
      log('error', { workers: workers.map((w) => w.process.pid) }, 'workers did not drain in time; killing them');
      exitCode = 1;
      for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGKILL');
    }, options.drainTimeoutMs ?? 30_000);
  };
  const finish = () => {
    clearTimeout(killTimer);
    log('info', { exitCode }, 'all workers stopped');
    process.exit(exitCode);
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      log('info', { signal }, 'draining workers');
      stopAll(0);
    });
  }

  for (let i = 0; i < options.workers; i++) fork();
}

/** In a worker: tells the primary it listens. */
export function announceReady(url: string): void {
  const message: WorkerReady = { type: 'girok:ready', url };
  process.send?.(message);
}
