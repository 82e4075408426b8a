import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadConfig, type Config } from '../src/config';

export interface ServerSettings {
  databaseUrl: string;
  smtpUrl: string;
  webConcurrency: number;
  /** JWT_SECRET, CODE_SECRET and ENCRYPTION_KEY, kept across restarts so tokens stay valid. */
  secrets: { jwt: string; code: string; encryption: string };
  /** Directory for --cpu-prof output; null runs without profiling. */
  profileDir: string | null;
}

/** The compiled server as a user starts it: `node dist/src/main.js`, production settings. */
export interface BenchServer {
  url: string;
  /** The process started (the primary when WEB_CONCURRENCY > 1). */
  pid: number;
  config: Config;
  stop(): Promise<void>;
}

const MAIN = resolve(__dirname, '../src/main.js');
// Settings the bench decides; anything else set in the caller's environment passes through.
const OWNED =
  /^(NODE_ENV|DATABASE_URL|SMTP_URL|JWT_SECRET|CODE_SECRET|ENCRYPTION_KEY|LOG_LEVEL|PORT|HOST|DATA_DIR|WEB_CONCURRENCY|REDIS_URL|ARGON2_\w+|RATE_LIMIT_IP_PER_MINUTE|RATE_LIMIT_REFRESH_IP_PER_MINUTE)$/;

/** The environment of the server child; argon2 stays at the production defaults. */
export function serverEnvironment(settings: ServerSettings, port: number, dataDir: string): NodeJS.ProcessEnv {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !OWNED.test(name)));
  return {
    ...inherited,
    NODE_ENV: 'production',
    DATABASE_URL: settings.databaseUrl,
    SMTP_URL: settings.smtpUrl,
    JWT_SECRET: settings.secrets.jwt,
    CODE_SECRET: settings.secrets.code,
    ENCRYPTION_KEY: settings.secrets.encryption,
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    PORT: String(port),
    DATA_DIR: dataDir,
    WEB_CONCURRENCY: String(settings.webConcurrency),
    // Workers share rate-limit budgets through Redis; every run uses it so figures compare.
    REDIS_URL: process.env.REDIS_URL || 'redis://127.0.0.1:6379',
    // All load comes from one address: per-IP budgets sized for real clients would refuse it.
    // The limiter stays on, so its cost is in the figures.
    RATE_LIMIT_IP_PER_MINUTE: '1000000',
    RATE_LIMIT_REFRESH_IP_PER_MINUTE: '1000000',
  };
}

/** Secrets for one bench run: random, never written anywhere. */
export function randomSecrets(): ServerSettings['secrets'] {
  return { jwt: randomBytes(48).toString('base64'), code: randomBytes(48).toString('base64'), encryption: randomBytes(48).toString('base64') };
}

export async function startServer(settings: ServerSettings): Promise<BenchServer> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'girok-bench-'));
  const env = serverEnvironment(settings, port, dataDir);
  const config = loadConfig(env);
  const args = settings.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${settings.profileDir}`, MAIN] : [MAIN];
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-8000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', (chunk: Buffer) => {
    keep(chunk);
    process.stderr.write(chunk);
  });
  const exited = new Promise<number | string | null>((done) => child.once('exit', (code, signal) => done(code ?? signal)));

  const base = `http://127.0.0.1:${port}`;
  try {
    await waitUntilReady(base, exited, () => output);
  } catch (error) {
    await stopChild(child, exited);
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  return {
    url: `${base}/graphql`,
    pid: child.pid!,
    config,
    async stop() {
      const code = await stopChild(child, exited);
      rmSync(dataDir, { recursive: true, force: true });
      if (code !== 0) throw new Error(`server exited with ${code} on SIGTERM:\n${output}`);
    },
  };
}

const LIMIT = resolve(__dirname, 'limit-server.js');
const BETTER_AUTH = resolve(__dirname, 'better-auth-server.js');

/** The hand-written `me` limit (bench/limit-server.ts) on the same database and JWT secret. */
export async function startLimitServer(settings: ServerSettings, config: Config): Promise<BenchServer> {
  return startHelper(LIMIT, config, (port) => ({
    DATABASE_URL: settings.databaseUrl,
    JWT_SECRET: settings.secrets.jwt,
    JWT_ISSUER: config.jwt.issuer,
    JWT_AUDIENCE: config.jwt.audience,
    PORT: String(port),
  }));
}

/**
 * better-auth (bench/better-auth-server.ts) on its own database `databaseUrl` of the same
 * PostgreSQL server, hashing with Girok's argon2 parameters; `url` is its base path `/api/auth`.
 */
export async function startBetterAuthServer(databaseUrl: string, config: Config): Promise<BenchServer> {
  return startHelper(
    BETTER_AUTH,
    config,
    (port) => ({
      NODE_ENV: 'production',
      DATABASE_URL: databaseUrl,
      BETTER_AUTH_SECRET: randomBytes(32).toString('base64'),
      ARGON2_MEMORY_KIB: String(config.argon2.memoryCost),
      ARGON2_ITERATIONS: String(config.argon2.timeCost),
      ARGON2_PARALLELISM: String(config.argon2.parallelism),
      PORT: String(port),
    }),
    '/api/auth',
  );
}

/** A one-process comparison server: ready once it prints `listening`. */
async function startHelper(script: string, config: Config, settings: (port: number) => NodeJS.ProcessEnv, path = '/graphql'): Promise<BenchServer> {
  const port = await freePort();
  const child = spawn(process.execPath, [script], { env: { ...process.env, ...settings(port) }, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<number | string | null>((done) => child.once('exit', (code, signal) => done(code ?? signal)));
  await new Promise<void>((ready, fail) => {
    child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('listening') && ready());
    void exited.then((code) => fail(new Error(`${script} exited with ${code}`)));
  });
  return {
    url: `http://127.0.0.1:${port}${path}`,
    pid: child.pid!,
    config,
    async stop() {
      await stopChild(child, exited);
    },
  };
}

async function waitUntilReady(base: string, exited: Promise<number | string | null>, output: () => string): Promise<void> {
  let dead: number | string | null | undefined;
  void exited.then((code) => (dead = code));
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (dead !== undefined) throw new Error(`server exited with ${dead} before it was ready:\n${output()}`);
    // Listening is announced once every worker is up; readyz then proves the database.
    if (output().includes('Girok Auth listening')) {
      const ready = await fetch(`${base}/readyz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ready) return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server not ready within 60 s:\n${output()}`);
}

async function stopChild(child: ChildProcess, exited: Promise<number | string | null>): Promise<number | string | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode ?? child.signalCode;
  child.kill('SIGTERM');
  const timer = setTimeout(() => {
    console.error('server did not drain within 30 s of SIGTERM; killing it');
    child.kill('SIGKILL');
  }, 30_000);
  const code = await exited;
  clearTimeout(timer);
  return code;
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.once('error', fail);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => done(port));
    });
  });
}
