/** What one bench run does; from flags first, then BENCH_* environment variables. */
export interface BenchOptions {
  /** Seconds each scenario is measured. */
  duration: number;
  /** Seconds of unmeasured load before each scenario (JIT, pools, caches). */
  warmup: number;
  connections: number;
  /** WEB_CONCURRENCY values to measure; the first runs every scenario, the others the GraphQL path. */
  webConcurrency: number[];
  /** Short run that fails (exit 1) on any error. */
  smoke: boolean;
  /** Run the server child under --cpu-prof and summarize the profiles. */
  profile: boolean;
  /** Scenario names to run; empty means all. */
  only: string[];
  /** An existing database to use as is (not dropped); else a fresh one on the local server. */
  databaseUrl: string | null;
  adminDatabaseUrl: string;
}

export function readOptions(argv: string[], env: NodeJS.ProcessEnv): BenchOptions {
  const flags = new Map<string, string>();
  for (const arg of argv) {
    const match = /^--([\w-]+)(?:=(.*))?$/.exec(arg);
    if (!match) throw new Error(`unknown argument ${arg}; flags look like --duration=10`);
    flags.set(match[1], match[2] ?? 'true');
  }
  const pick = (flag: string, variable: string): string | undefined => flags.get(flag) ?? env[variable] ?? undefined;
  const smoke = pick('smoke', 'BENCH_SMOKE') === 'true';
  const number = (flag: string, variable: string, fallback: number): number => {
    const raw = pick(flag, variable);
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value <= 0) throw new Error(`${variable} (--${flag}) must be a positive number, got "${raw}"`);
    return value;
  };
  const concurrency = pick('web-concurrency', 'WEB_CONCURRENCY');
  return {
    duration: number('duration', 'BENCH_DURATION', smoke ? 2 : 10),
    warmup: number('warmup', 'BENCH_WARMUP', smoke ? 0.5 : 2),
    connections: number('connections', 'BENCH_CONNECTIONS', smoke ? 8 : 32),
    // Measuring 1 beside 2 is the point of the full run; a given value measures only that.
    webConcurrency: concurrency ? concurrency.split(',').map(Number) : smoke ? [1] : [1, 2],
    smoke,
    profile: pick('profile', 'BENCH_PROFILE') === 'true',
    only: (pick('only', 'BENCH_ONLY') ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    databaseUrl: env.BENCH_DATABASE_URL || null,
    adminDatabaseUrl: env.BENCH_ADMIN_DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/postgres',
  };
}
