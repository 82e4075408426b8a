import { type ChildProcess, spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { withClient } from '../support/database';
import { Redis } from 'ioredis';
import { postGraphql, type GraphqlResponse } from '../support/server';

const ROOT = resolve(__dirname, '../..');
// Runs src/main.ts straight from the tree, compiled like jest compiles it: no build to go stale.
const SWC_REGISTER = join(ROOT, 'test/mail/fixtures/swc-register.js');

/** One server process, as an operator runs it behind a load balancer. */
export interface Instance {
  readonly name: string;
  readonly child: ChildProcess;
  /** The GraphQL endpoint, from the process's own "listening" line. */
  url: string;
  /** Everything the process wrote, for failure messages. */
  output(): string;
  readonly exited: Promise<number | string | null>;
  /** One GraphQL call as the load balancer forwards it: from `clientIp`. */
  gql<T = Record<string, any>>(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<GraphqlResponse<T>>;
}

/**
 * Spawns every instance in the same tick, so they boot (and migrate) at the same moment,
 * then waits until each one listens and answers /readyz.
 */
export async function startInstances(
  names: string[],
  env: Record<string, string>,
  clientIp: string,
  timeoutMs = 30_000,
  nodeArgs: string[] = [],
): Promise<Instance[]> {
  const instances = names.map((name) => spawnInstance(name, env, clientIp, nodeArgs));
  try {
    for (const instance of instances) {
      instance.url = await waitUntil(
        () => /listening: GraphQL at (\S+)/.exec(instance.output())?.[1],
        timeoutMs,
        () => `instance ${instance.name} did not start:\n${instance.output()}`,
      );
      const readyz = instance.url.replace(/\/graphql$/, '/readyz');
      await waitUntil(
        async () => (await fetch(readyz).catch(() => null))?.ok || undefined,
        timeoutMs,
        () => `instance ${instance.name} not ready`,
      );
    }
  } catch (error) {
    await stopInstances(instances);
    throw error;
  }
  return instances;
}

function spawnInstance(name: string, env: Record<string, string>, clientIp: string, nodeArgs: string[]): Instance {
  const child = spawn(process.execPath, [...nodeArgs, '-r', SWC_REGISTER, join(ROOT, 'src/main.ts')], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
  // Should the test process end without its afterAll, it still takes its servers along.
  const orphanGuard = () => child.kill('SIGKILL');
  process.once('exit', orphanGuard);
  const exited = new Promise<number | string | null>((done) =>
    child.once('exit', (code, signal) => {
      process.removeListener('exit', orphanGuard);
      done(code ?? signal);
    }),
  );
  const instance: Instance = {
    name,
    child,
    url: '',
    output: () => text,
    exited,
    gql: (query, variables, headers = {}) => postGraphql(instance.url, query, variables, { 'x-forwarded-for': clientIp, ...headers }),
  };
  return instance;
}

/** SIGTERM, then SIGKILL whatever is still up after a few seconds. */
export async function stopInstances(instances: Instance[]): Promise<void> {
  const alive = instances.filter(isAlive);
  for (const instance of alive) instance.child.kill('SIGTERM');
  const timer = new Promise((done) => setTimeout(done, 5_000).unref());
  await Promise.race([Promise.all(alive.map((i) => i.exited)), timer]);
  for (const instance of alive) if (isAlive(instance)) instance.child.kill('SIGKILL');
  await Promise.all(alive.map((i) => i.exited));
}

export function isAlive(instance: Instance): boolean {
  return instance.child.exitCode === null && instance.child.signalCode === null;
}

/** Polls `probe` until it gives a value; throws `why()` after `timeoutMs`. */
export async function waitUntil<T>(probe: () => T | undefined | Promise<T | undefined>, timeoutMs: number, why: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(why());
}

/** Deletes the Redis keys matching `patterns` (this run's client IP and addresses), never others'. */
export async function deleteKeys(redisUrl: string, patterns: string[]): Promise<void> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1, connectTimeout: 1_000 });
  redis.on('error', () => undefined);
  try {
    for (const pattern of patterns) {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
        if (keys.length) await redis.del(...keys);
        cursor = next;
      } while (cursor !== '0');
    }
  } finally {
    redis.disconnect();
  }
}

/** A PostgreSQL query on the shared database, as the test's own observer. */
export async function query<T = Record<string, any>>(databaseUrl: string, sql: string, params: unknown[] = []): Promise<T[]> {
  return withClient(databaseUrl, async (client) => (await client.query(sql, params)).rows as T[]);
}
