import 'reflect-metadata';
import { MikroORM } from '@mikro-orm/postgresql';
import { loadConfig } from '../src/config';
import { startEmbeddedDatabase } from '../src/db/embedded';
import { migrate, ormOptions } from '../src/db/orm';

/**
 * `migrate`: apply pending migrations (what boot does unless MIGRATE_ON_BOOT=false).
 * `create [name]`: apply pending ones, then write a migration for what the entities add.
 */
async function main(): Promise<void> {
  const [command = 'migrate', name] = process.argv.slice(2);
  const config = loadConfig();
  const embedded = config.database.url ? null : await startEmbeddedDatabase(config.dataDir);
  const orm = await MikroORM.init(ormOptions(config.database.url ?? embedded!.url, config));
  try {
    const applied = await migrate(orm);
    console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
    if (command === 'create') {
      const result = await orm.migrator.createMigration(undefined, false, false, name);
      console.log(result.fileName ? `wrote src/db/migrations/${result.fileName}; add it to src/db/migrations/index.ts` : 'no changes to the schema');
    }
  } finally {
    await orm.close();
    await embedded?.stop();
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
