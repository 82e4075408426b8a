import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, type App, type AppOptions } from '../../src/app';
import { loadConfig } from '../../src/config';
import { createTestDatabase, seedEmbeddedDatabase, type TestDatabase } from './database';
import { startSmtpCapture, type CapturedMail, type SmtpCapture } from './smtp';

export interface GraphqlResponse<T = Record<string, any>> {
  status: number;
  headers: Headers;
  data?: T | null;
  errors?: { message: string; extensions?: Record<string, any>; path?: string[] }[];
}

export interface TestServer {
  app: App;
  url: string;
  smtp: SmtpCapture;
  dataDir: string;
  /** POSTs one GraphQL operation the way a browser client would. */
  gql<T = Record<string, any>>(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<GraphqlResponse<T>>;
  close(): Promise<void>;
}

/** Settings every test server shares: cheap argon2, quiet logs, a random port. */
export const TEST_ENV: Record<string, string> = {
  NODE_ENV: 'test',
  PORT: '0',
  ARGON2_MEMORY_KIB: '1024',
  ARGON2_ITERATIONS: '1',
  ARGON2_PARALLELISM: '1',
  LOG_LEVEL: 'silent',
  // Every test request comes from 127.0.0.1; per-account budgets keep their defaults.
  RATE_LIMIT_IP_PER_MINUTE: '10000',
  RATE_LIMIT_REFRESH_IP_PER_MINUTE: '10000',
};

/**
 * Boots the real app (createApp) on its own database and a loopback SMTP capture, over real
 * HTTP. `env` overrides any setting; pass `SMTP_URL: ''` to use the .eml outbox instead.
 * `options` go to createApp (e.g. a `logStream` to capture the log).
 */
export async function startTestServer(env: Record<string, string> = {}, database?: TestDatabase, options: AppOptions = {}): Promise<TestServer> {
  const db = database ?? (await createTestDatabase());
  const smtp = await startSmtpCapture();
  const dataDir = mkdtempSync(join(tmpdir(), 'girok-test-'));
  if (!db.url && !env.DATABASE_URL) await seedEmbeddedDatabase(dataDir);
  const config = loadConfig({
    ...TEST_ENV,
    DATA_DIR: dataDir,
    SMTP_URL: smtp.url,
    ...(db.url ? { DATABASE_URL: db.url } : {}),
    ...env,
  });
  const app = await createApp(config, options);
  const url = await app.listen();
  return {
    app,
    url,
    smtp,
    dataDir,
    gql: (query, variables, headers) => postGraphql(url, query, variables, headers),
    async close() {
      await app.close();
      await smtp.close();
      if (!database) await db.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function postGraphql<T>(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<GraphqlResponse<T>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as Omit<GraphqlResponse<T>, 'status' | 'headers'>;
  return { status: response.status, headers: response.headers, ...body };
}

/**
 * fetch() that reads the whole body before it returns. A body left unread keeps its response
 * unfinished on the server (a large one stalls on the socket), so the connection never falls
 * idle and the server's graceful close waits for it until the client's garbage collector
 * happens to cancel the stream.
 */
export async function fetchAll(url: string | URL, init?: RequestInit): Promise<{ status: number; headers: Headers; body: Buffer }> {
  const response = await fetch(url, init);
  return { status: response.status, headers: response.headers, body: Buffer.from(await response.arrayBuffer()) };
}

/** The 6-digit code in a captured mail's plain-text part. */
export function codeIn(mail: CapturedMail): string {
  const match = /\b(\d{6})\b/.exec(mail.text);
  if (!match) throw new Error(`no 6-digit code in mail "${mail.subject}"`);
  return match[1];
}

/** The error code of the first error, for assertions. */
export function errorCode(response: GraphqlResponse): string | undefined {
  return response.errors?.[0]?.extensions?.code;
}
