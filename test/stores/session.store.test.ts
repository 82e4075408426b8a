import { createHmac, hkdfSync } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from '../../src/db/sql';
import { RefreshTokens } from '../../src/sessions/refresh-token';
import { SessionStore, type Rotation } from '../../src/sessions/session.store';
import type { Database } from '../../src/db/database';
import { insertUser, openEmbeddedDatabase } from './support';

const client = { ip: '192.0.2.1', userAgent: 'store test' };
let database: Database;
let close: () => Promise<void>;
let store: SessionStore;

beforeAll(async () => {
  ({ database, close } = await openEmbeddedDatabase());
  store = new SessionStore({ refreshTtl: 3600, maxLifetime: 30 * 24 * 3600, reuseGrace: 2 }, database.reads, new RefreshTokens(Buffer.alloc(32, 9)));
});
afterAll(() => close?.());

const rotate = (token: string): Promise<Rotation> => database.fork().transactional((tx: EntityManager) => store.rotate(tx, token, client));

describe('SessionStore.rotate (embedded PGlite)', () => {
  it('rotates a live token into a new one and keeps the session', async () => {
    const user = await insertUser(database);
    const started = await store.start(database.fork(), user, client);
    const rotation = await rotate(started.refreshToken);
    expect(rotation).toMatchObject({ outcome: 'rotated', sessionId: started.sessionId, user: { id: user.id, email: user.email } });
    expect(rotation.outcome === 'rotated' && rotation.refreshToken).not.toBe(started.refreshToken);
    expect(await store.findViewer(user.id, started.sessionId)).toMatchObject({ id: user.id });
  });

  it('answers a spent token inside the grace window with the same successor', async () => {
    const started = await store.start(database.fork(), await insertUser(database), client);
    const first = await rotate(started.refreshToken);
    const again = await rotate(started.refreshToken);
    expect(again.outcome).toBe('rotated');
    expect(again.outcome === 'rotated' && again.refreshToken).toBe(first.outcome === 'rotated' && first.refreshToken);
  });

  it('calls a spent token reuse after the grace window, however many rotations ago', async () => {
    const user = await insertUser(database);
    const started = await store.start(database.fork(), user, client);
    let current = started.refreshToken;
    for (let i = 0; i < 5; i++) {
      const next = await rotate(current);
      current = next.outcome === 'rotated' ? next.refreshToken : '';
    }
    await sql(database.fork(), `update sessions set previous_until = now() - interval '1 second' where id = ?`, [started.sessionId]);
    const reused = { outcome: 'reused', sessionId: started.sessionId, userId: user.id };
    expect(await rotate(started.refreshToken)).toEqual(reused);
    // The store only reports reuse (the refresh service revokes): the current token still rotates.
    expect((await rotate(current)).outcome).toBe('rotated');
  });

  it('still reads tokens minted under ENCRYPTION_KEY_PREVIOUS during a key rotation', async () => {
    const started = await store.start(database.fork(), await insertUser(database), client);
    const rotated = new SessionStore(
      { refreshTtl: 3600, maxLifetime: 30 * 24 * 3600, reuseGrace: 2 },
      database.reads,
      new RefreshTokens(Buffer.alloc(32, 3), Buffer.alloc(32, 9)),
    );
    const next = await database.fork().transactional((tx) => rotated.rotate(tx, started.refreshToken, client));
    expect(next.outcome).toBe('rotated');
    // New tokens are minted under the new key only.
    expect(await rotate(next.outcome === 'rotated' ? next.refreshToken : '')).toEqual({ outcome: 'unknown' });
  });

  it('still reads a token minted before version 2 (a MAC key per session), and rotates it into a version-2 one', async () => {
    const started = await store.start(database.fork(), await insertUser(database), client);
    const current = Buffer.from(started.refreshToken, 'base64url');
    expect(current[0]).toBe(2);
    // Version 1, as servers before it minted: HMAC-SHA256 under HKDF(ENCRYPTION_KEY, salt = session id).
    const body = Buffer.from(current.subarray(0, 25));
    body[0] = 1;
    const key = Buffer.from(hkdfSync('sha256', Buffer.alloc(32, 9), started.sessionId, 'girok refresh token', 32));
    const older = Buffer.concat([body, createHmac('sha256', key).update(body).digest()]).toString('base64url');
    const next = await rotate(older);
    expect(next).toMatchObject({ outcome: 'rotated', sessionId: started.sessionId });
    expect(Buffer.from(next.outcome === 'rotated' ? next.refreshToken : '', 'base64url')[0]).toBe(2);
    // A version-1 token under another key, or a version-2 body under the old construction, reads as nothing.
    const foreignKey = Buffer.from(hkdfSync('sha256', Buffer.alloc(32, 1), started.sessionId, 'girok refresh token', 32));
    expect(await rotate(Buffer.concat([body, createHmac('sha256', foreignKey).update(body).digest()]).toString('base64url'))).toEqual({ outcome: 'unknown' });
    const relabelled = Buffer.from(older, 'base64url');
    relabelled[0] = 2;
    expect(await rotate(relabelled.toString('base64url'))).toEqual({ outcome: 'unknown' });
  });

  it('does not recognise a forged token or one minted under another key', async () => {
    const started = await store.start(database.fork(), await insertUser(database), client);
    const foreign = new RefreshTokens(Buffer.alloc(32, 1)).mint(started.sessionId, 0n);
    expect(await rotate(foreign)).toEqual({ outcome: 'unknown' });
    const bytes = Buffer.from(started.refreshToken, 'base64url');
    bytes[bytes.length - 1] ^= 1;
    expect(await rotate(bytes.toString('base64url'))).toEqual({ outcome: 'unknown' });
    expect((await rotate(started.refreshToken)).outcome).toBe('rotated');
  });

  it('says unknown, revoked and expired apart', async () => {
    expect(await rotate('a'.repeat(43))).toEqual({ outcome: 'unknown' });
    expect(await rotate('a')).toEqual({ outcome: 'unknown' });
    const revoked = await store.start(database.fork(), await insertUser(database), client);
    await store.revoke(database.fork(), revoked.sessionId, 'logout');
    expect(await rotate(revoked.refreshToken)).toEqual({ outcome: 'revoked' });
    const expired = await store.start(database.fork(), await insertUser(database), client);
    await sql(database.fork(), `update sessions set expires_at = now() - interval '1 second' where id = ?`, [expired.sessionId]);
    expect(await rotate(expired.refreshToken)).toEqual({ outcome: 'expired' });
  });
});
