import { Client } from 'pg';
import { MikroORM, PostgreSqlDriver, type Options } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import type { EntityClass } from '@mikro-orm/core';
import type { DatabaseConfig } from '../config';
import { migrationsList } from './migrations';

/** MikroORM options for a database URL; shared by the server, mikro-orm.config.ts and the scripts. */
export function ormOptions(clientUrl: string, settings: Pick<DatabaseConfig, 'poolSize'>, entities: readonly EntityClass<object>[]): Options {
  return {
    driver: PostgreSqlDriver,
    clientUrl,
    entities: [...entities],
    extensions: [Migrator],
    pool: { min: 0, max: settings.poolSize },
    // Every request works on its own fork; touching the global context is a bug.
    allowGlobalContext: false,
    forceUtcTimezone: true,
    ignoreUndefinedInQuery: true,
    migrations: {
      path: 'src/db/migrations',
      pathTs: 'src/db/migrations',
      migrationsList,
      transactional: true,
      allOrNothing: true,
      snapshot: false,
      silent: true,
      emit: 'ts',
      fileName: (timestamp, name) => `Migration${timestamp}${name ? `_${name}` : ''}`,
    },
  };
}

/** Advisory lock key that serializes migrations across instances booting together. */
const MIGRATION_LOCK = 0x6769726f; // "giro"

/**
 * Applies pending migrations while a connection of its own holds a session-level PostgreSQL
 * advisory lock, so instances booting together apply each migration once.
 */
export async function migrate(orm: MikroORM, url: string): Promise<string[]> {
  const lock = new Client({ connectionString: url });
  await lock.connect();
  try {
    await lock.query('select pg_advisory_lock($1)', [MIGRATION_LOCK]);
    const applied = await orm.migrator.up();
    return applied.map((m) => m.name);
  } finally {
    // Ending the session releases the lock, also when a migration failed.
    await lock.end();
  }
}
