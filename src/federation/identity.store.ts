import type { EntityManager } from '@mikro-orm/postgresql';
import { sql, sqlCount } from '../db/sql';

/** An account's sign-in at a provider: who the provider says it is (`subject`) and the address it gave. */
export interface FederatedIdentity {
  provider: string;
  subject: string;
  email: string | null;
  createdAt: Date;
}

interface IdentityRow {
  user_id: string;
  provider: string;
  subject: string;
  email: string | null;
  created_at: Date | string;
}

const toIdentity = (row: IdentityRow): FederatedIdentity => ({
  provider: row.provider,
  subject: row.subject,
  email: row.email,
  createdAt: new Date(row.created_at),
});

/** The SQL of `federated_identities`: one account per (provider, subject), one identity per provider and account. */
export class IdentityStore {
  /** The account a provider subject signs in to, or null. */
  async ownerOf(em: EntityManager, provider: string, subject: string): Promise<string | null> {
    const [row] = await sql<IdentityRow>(em, 'select user_id from federated_identities where provider = ? and subject = ?', [provider, subject]);
    return row?.user_id ?? null;
  }

  list(em: EntityManager, userId: string): Promise<FederatedIdentity[]> {
    return sql<IdentityRow>(
      em,
      'select user_id, provider, subject, email, created_at from federated_identities where user_id = ? order by created_at, provider',
      [userId],
    ).then((rows) => rows.map(toIdentity));
  }

  async has(em: EntityManager, userId: string, provider: string): Promise<boolean> {
    return (await sql(em, 'select 1 as n from federated_identities where user_id = ? and provider = ?', [userId, provider])).length > 0;
  }

  async add(em: EntityManager, userId: string, identity: { provider: string; subject: string; email: string | null }): Promise<void> {
    await sql(em, 'insert into federated_identities (id, user_id, provider, subject, email, created_at) values (gen_random_uuid(), ?, ?, ?, ?, now())', [
      userId,
      identity.provider,
      identity.subject,
      identity.email,
    ]);
  }

  /** Keeps the address the provider last gave, for the account holder's list. */
  async touch(em: EntityManager, provider: string, subject: string, email: string | null): Promise<void> {
    await sqlCount(em, 'update federated_identities set email = ? where provider = ? and subject = ? and email is distinct from ?', [
      email,
      provider,
      subject,
      email,
    ]);
  }

  /** Removes the account's identity at `provider`; false when it had none. */
  async remove(em: EntityManager, userId: string, provider: string): Promise<boolean> {
    return (await sqlCount(em, 'delete from federated_identities where user_id = ? and provider = ?', [userId, provider])) > 0;
  }

  /** How many identities the account has. */
  async count(em: EntityManager, userId: string): Promise<number> {
    const [row] = await sql<{ n: number | string }>(em, 'select count(*) as n from federated_identities where user_id = ?', [userId]);
    return Number(row.n);
  }
}
