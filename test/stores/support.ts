import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Database } from '../../src/db/database';
import { seedEmbeddedDatabase } from '../support/database';
import { sql } from '../../src/db/sql';
import { entities } from '../../src/entities';
import type { ViewerUser } from '../../src/viewer/viewer';

/** A migrated embedded PGlite of its own, for tests that call a store directly. */
export async function openEmbeddedDatabase(): Promise<{ database: Database; close: () => Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'girok-store-'));
  await seedEmbeddedDatabase(dataDir);
  const database = await Database.open({ url: null, poolSize: 4, migrateOnBoot: true, preparedStatements: true }, dataDir, entities);
  await database.migrate();
  return {
    database,
    close: async () => {
      await database.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A verified account row, written directly. */
export async function insertUser(database: Database): Promise<ViewerUser> {
  const id = randomUUID();
  const email = `store-${id.slice(0, 8)}@example.test`;
  await sql(database.fork(), `insert into users (id, email, password_hash, email_verified) values (?, ?, 'not-a-hash', true)`, [id, email]);
  return { id, email, emailVerified: true, hasPassword: true, locale: 'en', roles: [], disabled: false, createdAt: new Date() };
}
