import 'reflect-metadata';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MikroORM } from '@mikro-orm/postgresql';
import { type Config, loadConfig } from '../../src/config';
import { Database } from '../../src/db/database';
import { entities } from '../../src/entities';
import { Outbox, type OutboxOptions } from '../../src/mail/outbox';
import { createSharedDatabase } from '../support/database';

/**
 * A fresh, migrated database for one test file that workers (in this process or others) reach
 * by URL: a new database on TEST_DATABASE_URL's server, or an embedded PGlite served by this
 * test process on a loopback port.
 */
export async function createMailDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const database = await createSharedDatabase();
  const db = await Database.open({ url: database.url, poolSize: 2, migrateOnBoot: true, preparedStatements: true }, tmpdir(), entities);
  await db.migrate();
  await db.close();
  return database;
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
  const database = await Database.open(config.database, config.dataDir, entities);
  const log = memoryLogger();
  const outbox = new Outbox({ database, settings: config.mail, dataDir: config.dataDir, log, options: { pollIntervalMs: 200, retryBaseMs: 100, ...options } });
  await outbox.start();
  return {
    orm: database.orm,
    outbox,
    log,
    async stop() {
      await outbox.stop();
      await database.close();
    },
  };
}

/** Rows of the outbox as they are in the database. */
export async function outboxRows(orm: MikroORM): Promise<Array<Record<string, any>>> {
  return (await orm.em.getKnex().raw('select * from mail_outbox order by created_at')).rows;
}

/** Retries an assertion until it passes or the time is up. */
export async function eventually(assertion: () => unknown, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await assertion();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
