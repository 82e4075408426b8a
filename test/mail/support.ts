import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MikroORM } from '@mikro-orm/postgresql';
import { Client } from 'pg';
import { type Config, loadConfig } from '../../src/config';
import { migrate, ormOptions } from '../../src/db/orm';
import { Outbox, type OutboxOptions } from '../../src/mail/outbox';

/** The PostgreSQL server mail tests create their databases on. */
export const ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

/** A fresh, migrated database for one test file. */
export async function createMailDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `girok_test_mail_${randomBytes(5).toString('hex')}`;
  await admin((client) => client.query(`create database ${name}`));
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const orm = await MikroORM.init(ormOptions(url.toString(), { database: { url: url.toString(), poolSize: 2, migrateOnBoot: true } }));
  await migrate(orm);
  await orm.close();
  return { url: url.toString(), drop: () => admin((client) => client.query(`drop database if exists ${name} with (force)`)).then(() => undefined) };
}

async function admin<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Config as the server would read it, pointed at this database and SMTP server. */
export function mailConfig(databaseUrl: string, env: Record<string, string> = {}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    DATA_DIR: mkdtempSync(join(tmpdir(), 'girok-mail-')),
    DATABASE_URL: databaseUrl,
    APP_NAME: 'Girok',
    MAIL_FROM: 'Girok <no-reply@girok.test>',
    JWT_SECRET: 'j'.repeat(48),
    CODE_SECRET: 'c'.repeat(48),
    ...env,
  });
}

export interface LogEntry {
  level: 'info' | 'warn' | 'error';
  obj: object;
  msg: string;
}

/** A logger that keeps its lines, so tests can check what reached the log (and what did not). */
export function memoryLogger() {
  const lines: LogEntry[] = [];
  const at = (level: LogEntry['level']) => (obj: object, msg: string) => void lines.push({ level, obj, msg });
  return { lines, info: at('info'), warn: at('warn'), error: at('error') };
}

/** An ORM and a started outbox worker on `config`, as one server process would have them. */
export async function startWorker(config: Config, options: OutboxOptions = {}) {
  const orm = await MikroORM.init(ormOptions(config.database.url!, config));
  const log = memoryLogger();
  const outbox = new Outbox({ orm, config, log, options: { pollIntervalMs: 200, retryBaseMs: 100, retryMaxMs: 400, ...options } });
  await outbox.start();
  return {
    orm,
    outbox,
    log,
    async stop() {
      await outbox.stop();
      await orm.close();
    },
  };
}

/** Rows of the outbox as they are in the database. */
export async function outboxRows(orm: MikroORM): Promise<Array<Record<string, any>>> {
  return (await orm.em.getKnex().raw('select * from mail_outbox order by created_at')).rows;
}
