import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

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
  const admin = process.env.TEST_DATABASE_URL;
  if (!admin) return { url: null, drop: async () => {} };
  const name = `girok_test_${randomBytes(6).toString('hex')}`;
  await withClient(admin, (client) => client.query(`create database ${name}`));
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => withClient(admin, (client) => client.query(`drop database if exists ${name} with (force)`)).then(() => {}),
  };
}

async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
