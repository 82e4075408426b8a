import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

export interface BenchDatabase {
  url: string;
  drop(): Promise<void>;
}

/** BENCH_DATABASE_URL as given, or a fresh database on the local server, dropped afterwards. */
export async function openBenchDatabase(given: string | null, adminUrl: string): Promise<BenchDatabase> {
  if (given) return { url: given, drop: async () => {} };
  const name = `girok_bench_${randomBytes(5).toString('hex')}`;
  await adminQuery(adminUrl, `create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => adminQuery(adminUrl, `drop database if exists ${name} with (force)`) };
}

async function adminQuery(url: string, sql: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
