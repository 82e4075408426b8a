import type { EntityManager } from '@mikro-orm/postgresql';
import { sql, sqlCount } from '../db/sql';

/** A passkey as its holder sees it. */
export interface PasskeyView {
  id: string;
  name: string | null;
  createdAt: Date;
  lastUsedAt: Date | null;
  backedUp: boolean;
}

/** What verifying an assertion needs of a stored passkey. */
export interface StoredPasskey {
  id: string;
  userId: string;
  credentialId: string;
  publicKey: Uint8Array<ArrayBuffer>;
  counter: number;
  transports: string[];
}

/** A verified new credential, ready to store. */
export interface NewPasskey {
  userId: string;
  credentialId: string;
  publicKey: Uint8Array;
  counter: number;
  transports: readonly string[];
  deviceType: string;
  backedUp: boolean;
  aaguid: string | null;
  name: string | null;
}

type ViewRow = { id: string; name: string | null; created_at: Date | string; last_used_at: Date | string | null; backed_up: boolean };
const VIEW_COLUMNS = 'id, name, created_at, last_used_at, backed_up';

function toView(row: ViewRow): PasskeyView {
  return {
    id: row.id,
    name: row.name,
    createdAt: new Date(row.created_at),
    lastUsedAt: row.last_used_at === null ? null : new Date(row.last_used_at),
    backedUp: row.backed_up,
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True for a string shaped like a row id (anything else names no row). */
export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

/** The only SQL on `passkeys`, in the caller's unit of work. */
export class PasskeyStore {
  /** Stores a new passkey; null when that credential is already registered (to anyone). */
  async add(em: EntityManager, passkey: NewPasskey): Promise<PasskeyView | null> {
    const [row] = await sql<ViewRow>(
      em,
      `insert into passkeys (id, user_id, credential_id, public_key, counter, transports, device_type, backed_up, aaguid, name, created_at)
       values (gen_random_uuid(), ?, ?, ?, ?, ?, ?, ?, ?, ?, now())
       on conflict (credential_id) do nothing
       returning ${VIEW_COLUMNS}`,
      [
        passkey.userId,
        passkey.credentialId,
        Buffer.from(passkey.publicKey),
        passkey.counter,
        passkey.transports.join(' '),
        passkey.deviceType,
        passkey.backedUp,
        passkey.aaguid,
        passkey.name,
      ],
    );
    return row ? toView(row) : null;
  }

  /** The account's passkeys, oldest first. */
  async list(em: EntityManager, userId: string): Promise<PasskeyView[]> {
    const rows = await sql<ViewRow>(em, `select ${VIEW_COLUMNS} from passkeys where user_id = ? order by created_at, id`, [userId]);
    return rows.map(toView);
  }

  /** Credential ids and transports of the account's passkeys (for allowCredentials and excludeCredentials). */
  async descriptors(em: EntityManager, userId: string): Promise<{ id: string; transports: string[] }[]> {
    const rows = await sql<{ credential_id: string; transports: string }>(
      em,
      'select credential_id, transports from passkeys where user_id = ? order by created_at, id',
      [userId],
    );
    return rows.map((row) => ({ id: row.credential_id, transports: splitTransports(row.transports) }));
  }

  async count(em: EntityManager, userId: string): Promise<number> {
    const [row] = await sql<{ n: number | string }>(em, 'select count(*)::int as n from passkeys where user_id = ?', [userId]);
    return Number(row.n);
  }

  async hasPasskey(em: EntityManager, userId: string): Promise<boolean> {
    const [row] = await sql(em, 'select 1 as n from passkeys where user_id = ? limit 1', [userId]);
    return row !== undefined;
  }

  /** The passkey with this credential id, locked until the transaction ends (its counter moves once at a time). */
  async lockByCredentialId(em: EntityManager, credentialId: string): Promise<StoredPasskey | null> {
    const [row] = await sql<{ id: string; user_id: string; credential_id: string; public_key: Buffer; counter: string | number; transports: string }>(
      em,
      'select id, user_id, credential_id, public_key, counter, transports from passkeys where credential_id = ? for update',
      [credentialId],
    );
    if (!row) return null;
    return {
      id: row.id,
      userId: row.user_id,
      credentialId: row.credential_id,
      publicKey: Uint8Array.from(Buffer.from(row.public_key)),
      counter: Number(row.counter),
      transports: splitTransports(row.transports),
    };
  }

  /** After a verified assertion: the new sign count, backup state and when it was used. */
  async recordUse(em: EntityManager, id: string, counter: number, backedUp: boolean): Promise<void> {
    await sqlCount(em, 'update passkeys set counter = ?, backed_up = ?, last_used_at = now() where id = ?', [counter, backedUp, id]);
  }

  async rename(em: EntityManager, userId: string, id: string, name: string | null): Promise<PasskeyView | null> {
    const [row] = await sql<ViewRow>(em, `update passkeys set name = ? where id = ? and user_id = ? returning ${VIEW_COLUMNS}`, [name, id, userId]);
    return row ? toView(row) : null;
  }

  /** Deletes one of the account's passkeys; false when it has none with this id. */
  async remove(em: EntityManager, userId: string, id: string): Promise<boolean> {
    return (await sqlCount(em, 'delete from passkeys where id = ? and user_id = ?', [id, userId])) > 0;
  }

  /** The address of the account that holds this credential, or null (for its per-account budget). */
  async ownerEmail(em: EntityManager, credentialId: string): Promise<string | null> {
    const [row] = await sql<{ email: string }>(em, 'select u.email from passkeys p join users u on u.id = p.user_id where p.credential_id = ?', [credentialId]);
    return row?.email ?? null;
  }
}

function splitTransports(value: string): string[] {
  return value.split(' ').filter(Boolean);
}
