import 'reflect-metadata';
import { loadConfig } from '../src/config';
import { Database } from '../src/db/database';
import { entities } from '../src/entities';

/**
 * `migrate`: apply pending migrations (what boot does unless MIGRATE_ON_BOOT=false), on
 * DATABASE_URL or the embedded default. For the rest (`create`, `list`, `down`, `debug`) use
 * MikroORM's own CLI, `npx mikro-orm …`, which reads mikro-orm.config.ts.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const database = await Database.open(config.database, config.dataDir, entities);
  try {
    const applied = await database.migrate();
    console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
  } finally {
    await database.close();
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
