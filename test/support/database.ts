import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { startEmbeddedDatabase } from '../../src/db/embedded';

/** The PostgreSQL server tests make their databases on when they need a real one. */
export const ADMIN_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

/** A database of its own for one test file, or null when tests use embedded PGlite. */
export interface TestDatabase {
  /** DATABASE_URL for the app; null means "no DATABASE_URL": the embedded default. */
  url: string | null;
  drop(): Promise<void>;
}

/**
 * With TEST_DATABASE_URL, creates a fresh database on that server and drops it afterwards;
 * without it, the app runs on its embedded PGlite in the test's own data directory.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  return process.env.TEST_DATABASE_URL ? createPostgresDatabase('girok_test') : { url: null, drop: async () => {} };
}

/** A fresh, empty database on the real PostgreSQL, whatever TEST_DATABASE_URL says about PGlite. */
export async function createPostgresDatabase(prefix: string, admin = ADMIN_DATABASE_URL): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  await withClient(admin, (client) => client.query(`create database ${name}`));
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => withClient(admin, (client) => client.query(`drop database if exists ${name} with (force)`)).then(() => {}),
  };
}

/** Runs `work` on a short-lived connection to `url`. */
export async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * A database several apps or processes reach by URL: a new database on TEST_DATABASE_URL's
 * server, or an embedded PGlite that this test process serves on a loopback port.
 */
export async function createSharedDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  if (process.env.TEST_DATABASE_URL) return createPostgresDatabase('girok_test_shared');
  const dataDir = mkdtempSync(join(tmpdir(), 'girok-shared-pglite-'));
  const embedded = await startEmbeddedDatabase(dataDir);
  return {
    url: embedded.url,
    async drop() {
      await embedded.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
