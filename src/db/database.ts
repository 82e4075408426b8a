import 'reflect-metadata';
import { MikroORM, type EntityManager } from '@mikro-orm/postgresql';
import type { EntityClass } from '@mikro-orm/core';
import type { DatabaseConfig } from '../config';
import { startEmbeddedDatabase, type EmbeddedDatabase } from './embedded';
import { migrate, ormOptions } from './orm';
import { ReadPool } from './read-pool';

/**
 * The database of one process: PostgreSQL at `DATABASE_URL`, or the embedded PGlite under
 * `dataDir/pg` when none is set. The one place that makes that choice; the server, the CLI
 * config and the scripts all open it here.
 */
export class Database {
  private constructor(
    readonly orm: MikroORM,
    readonly url: string,
    readonly reads: ReadPool,
    private readonly embedded: EmbeddedDatabase | null,
  ) {}

  static async open(settings: DatabaseConfig, dataDir: string, entities: readonly EntityClass<object>[]): Promise<Database> {
    const embedded = settings.url ? null : await startEmbeddedDatabase(dataDir);
    const url = settings.url ?? embedded!.url;
    try {
      const orm = await MikroORM.init(ormOptions(url, settings, entities));
      return new Database(orm, url, new ReadPool(url, settings.poolSize, settings.preparedStatements && settings.url !== null), embedded);
    } catch (error) {
      await embedded?.stop();
      throw error;
    }
  }

  /** True when this is the embedded PGlite. */
  get isEmbedded(): boolean {
    return this.embedded !== null;
  }

  /** A fresh EntityManager for one unit of work; the global one is never used. */
  fork(): EntityManager {
    return this.orm.em.fork();
  }

  /** Applies pending migrations under an advisory lock; returns the names applied. */
  migrate(): Promise<string[]> {
    return migrate(this.orm, this.url);
  }

  async close(): Promise<void> {
    await this.reads.end();
    await this.orm.close(true);
    await this.embedded?.stop();
  }
}
