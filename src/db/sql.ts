import type { EntityManager } from '@mikro-orm/postgresql';

/**
 * The one way raw SQL is run: one statement in the caller's unit of work, joining its
 * transaction when it has one. Parameters are `?` placeholders, as everywhere in this code.
 */
export function sql<T extends object = Record<string, unknown>>(em: EntityManager, text: string, params: readonly unknown[] = []): Promise<T[]> {
  return em.getConnection().execute<T[]>(text, [...params], 'all', em.getTransactionContext());
}

/** Like `sql`, for a statement whose rows are not wanted: resolves to how many rows it touched. */
export async function sqlCount(em: EntityManager, text: string, params: readonly unknown[] = []): Promise<number> {
  const result = await em.getConnection().execute<{ affectedRows: number }>(text, [...params], 'run', em.getTransactionContext());
  return result.affectedRows;
}
