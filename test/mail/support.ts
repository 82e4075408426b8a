import 'reflect-metadata';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MikroORM } from '@mikro-orm/postgresql';
import { type Config, loadConfig } from '../../src/config';
import { migrate, ormOptions } from '../../src/db/orm';
import { Outbox, type OutboxOptions } from '../../src/mail/outbox';
import { createPostgresDatabase } from '../support/database';

/** A fresh, migrated database for one test file (always the real PostgreSQL). */
export async function createMailDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const database = await createPostgresDatabase('girok_test_mail');
  const orm = await MikroORM.init(ormOptions(database.url, { database: { url: database.url, poolSize: 2, migrateOnBoot: true } }));
  await migrate(orm);
  await orm.close();
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
