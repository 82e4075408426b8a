import { SecurityLog, SecurityEventType } from '../../src/security/security-log';
import { createPostgresDatabase } from '../support/database';
import { LOGOUT, PASSWORD, createVerifiedUser, login } from '../support/flows';
import { describeWith } from '../support/requirements';
import { startTestServer, type TestServer } from '../support/server';
import { subscribe } from './socket';

/** Instances of one deployment share their secrets, as behind one load balancer. */
const SHARED = {
  JWT_SECRET: 'realtime-instances-jwt-secret-'.padEnd(48, 'j'),
  CODE_SECRET: 'realtime-instances-code-secret-'.padEnd(48, 'c'),
  ENCRYPTION_KEY: 'realtime-instances-encryption-key-'.padEnd(48, 'e'),
};

// LISTEN/NOTIFY across instances needs a real PostgreSQL: the embedded one serves a single process.
describeWith(['postgres'], 'realtime across instances on one PostgreSQL', () => {
  let database: { url: string; drop(): Promise<void> };
  let a: TestServer;
  let b: TestServer;
  beforeAll(async () => {
    database = await createPostgresDatabase('girok_realtime');
    a = await startTestServer(SHARED, database);
    b = await startTestServer(SHARED, database);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await database?.drop();
  });

  it('delivers to a subscriber on one instance what happened on another', async () => {
    const user = await createVerifiedUser(a);
    const tab = await subscribe(a.app, a.url, user.token.accessToken);
    await login(b, user.email, PASSWORD, { 'user-agent': 'ViaInstanceB/1' });
    const event = await tab.waitFor((e) => e.userAgent === 'ViaInstanceB/1');
    expect(event.type).toBe('LOGIN_SUCCEEDED');
    await tab.dispose();
  });

  it('closes a socket on one instance with 4401 when its session is revoked through another', async () => {
    const user = await createVerifiedUser(a);
    const tab = await subscribe(a.app, a.url, user.token.accessToken);
    expect((await b.gql(LOGOUT, { token: user.token.refreshToken })).data).toEqual({ logout: true });
    expect(await tab.closed).toEqual({ code: 4401, reason: 'Session ended' });
    expect(tab.events.at(-1)?.type).toBe('SESSION_REVOKED');
  });

  it('never delivers an event whose transaction rolled back', async () => {
    const user = await createVerifiedUser(a);
    const tab = await subscribe(a.app, a.url, user.token.accessToken);
    const log = new SecurityLog(undefined, b.app.config.realtime.channel);
    const client = { ip: null, userAgent: 'RolledBack/1' };
    await expect(
      b.app.orm.em.fork().transactional(async (tx) => {
        await log.record(tx, { userId: user.token.user.id, type: SecurityEventType.PASSWORD_CHANGED, client });
        throw new Error('the action failed after its event was written');
      }),
    ).rejects.toThrow('the action failed');
    await login(b, user.email, PASSWORD, { 'user-agent': 'Committed/1' });
    await tab.waitFor((e) => e.userAgent === 'Committed/1');
    expect(tab.events.map((e) => e.userAgent)).toEqual(['Committed/1']);
    await tab.dispose();
  });

  it('keeps two deployments on one database apart: each listens on its own channel', async () => {
    const other = await startTestServer({ ...SHARED, JWT_ISSUER: 'another-deployment' }, database);
    try {
      expect(other.app.config.realtime.channel).not.toBe(a.app.config.realtime.channel);
      const user = await createVerifiedUser(a);
      const tab = await subscribe(a.app, a.url, user.token.accessToken);
      await login(other, user.email, PASSWORD, { 'user-agent': 'OtherDeployment/1' });
      await login(b, user.email, PASSWORD, { 'user-agent': 'SameDeployment/1' });
      await tab.waitFor((e) => e.userAgent === 'SameDeployment/1');
      expect(tab.events.map((e) => e.userAgent)).toEqual(['SameDeployment/1']);
      await tab.dispose();
    } finally {
      await other.close();
    }
  });
});
