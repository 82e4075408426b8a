import { MikroORM, type Options } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import type { Config } from '../config';
import { entities } from './entities';
import { migrationsList } from './migrations';

/** MikroORM options for a database URL; shared by the server, the CLI and the scripts. */
export function ormOptions(clientUrl: string, config: Pick<Config, 'database'>): Options {
  return {
    clientUrl,
    entities,
    extensions: [Migrator],
    pool: { min: 0, max: config.database.poolSize },
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
 * Applies pending migrations while one dedicated connection holds a session-level
 * PostgreSQL advisory lock, so instances booting together apply each migration once.
 */
export async function migrate(orm: MikroORM): Promise<string[]> {
  const client = orm.em.getConnection().getKnex().client;
  const lockConnection = await client.acquireConnection();
  try {
    await lockConnection.query('select pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      const applied = await orm.migrator.up();
      return applied.map((m) => m.name);
    } finally {
      await lockConnection.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  } finally {
    await client.releaseConnection(lockConnection);
  }
}
