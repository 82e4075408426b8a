import 'reflect-metadata';
import type { MikroORM } from '@mikro-orm/core';
import type { Options } from '@mikro-orm/postgresql';
import { loadConfig } from './src/config';
import { startEmbeddedDatabase } from './src/db/embedded';
import { ormOptions } from './src/db/orm';
import { entities } from './src/entities';

/**
 * MikroORM's CLI config, built from the server's own configuration: `npx mikro-orm
 * migration:list`, `migration:up`, `migration:create`, `debug` run against DATABASE_URL, or
 * against the embedded default under DATA_DIR (started for the command and stopped after it;
 * stop the server first, the embedded database serves one process). The CLI reads the
 * compiled file, so `npm run build` first (the `npm run mikro-orm -- …` script does).
 */
export default async function mikroOrmConfig(): Promise<Options> {
  const config = loadConfig();
  const options = ormOptions(config.database.url ?? 'postgresql://unused', config.database, entities);
  if (config.database.url) return options;
  const embedded = await startEmbeddedDatabase(config.dataDir);
  /** Stops the embedded database when the CLI closes the ORM, so the command can exit. */
  class StopEmbeddedOnClose {
    static register(orm: MikroORM): void {
      const close = orm.close.bind(orm);
      orm.close = async (force?: boolean) => {
        await close(force);
        await embedded.stop();
      };
    }
  }
  return { ...options, clientUrl: embedded.url, extensions: [...(options.extensions ?? []), StopEmbeddedOnClose] };
}
