import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { Database } from '../../src/db/database';
import { startEmbeddedDatabase } from '../../src/db/embedded';
import { entities } from '../../src/entities';

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
 * Gives an embedded data directory the run's migrated template database, so the app opens a
 * ready database instead of running PGlite's initdb (seconds of WASM) in every test file, as
 * PostgreSQL's CREATE DATABASE copies template1. The first caller of the run makes the
 * template (under a lock, in the folder the global setup named); the others wait and copy it.
 * Does nothing on a real PostgreSQL run, or when the directory already has a database. A new
 * user's first boot is still tested as it is, in test/embedded.test.ts.
 */
export async function seedEmbeddedDatabase(dataDir: string): Promise<void> {
  const root = process.env.GIROK_TEST_PGLITE_TEMPLATE;
  if (!root || existsSync(join(dataDir, 'pg'))) return;
  const template = await pgliteTemplate(root);
  if (template) cpSync(template, join(dataDir, 'pg'), { recursive: true });
}

async function pgliteTemplate(root: string): Promise<string | null> {
  const ready = join(root, 'ready');
  const data = join(root, 'data');
  const deadline = Date.now() + 300_000;
  while (!existsSync(ready)) {
    try {
      mkdirSync(join(root, 'building'));
    } catch {
      // Another test file is making it; if it never finishes, boot without a template.
      if (Date.now() > deadline) return null;
      await new Promise((resolve) => setTimeout(resolve, 200));
      continue;
    }
    const database = await Database.open({ url: null, poolSize: 2, migrateOnBoot: true, preparedStatements: false }, data, entities);
    try {
      await database.migrate();
    } finally {
      await database.close();
    }
    writeFileSync(ready, '');
  }
  return join(data, 'pg');
}

/**
 * A database several apps or processes reach by URL: a new database on TEST_DATABASE_URL's
 * server, or an embedded PGlite that this test process serves on a loopback port.
 */
export async function createSharedDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  if (process.env.TEST_DATABASE_URL) return createPostgresDatabase('girok_test_shared');
  const dataDir = mkdtempSync(join(tmpdir(), 'girok-shared-pglite-'));
  await seedEmbeddedDatabase(dataDir);
  const embedded = await startEmbeddedDatabase(dataDir);
  return {
    url: embedded.url,
    async drop() {
      await embedded.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
