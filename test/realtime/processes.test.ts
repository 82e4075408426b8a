import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startInstances, stopInstances, waitUntil, type Instance } from '../cluster/instances';
import { createPostgresDatabase } from '../support/database';
import { LOGIN, LOGOUT, PASSWORD, REGISTER, VERIFY, type TokenPayload } from '../support/flows';
import { describeWith } from '../support/requirements';
import { codeIn } from '../support/server';
import { startSmtpCapture, type SmtpCapture } from '../support/smtp';
import { connect, SECURITY_EVENTS, type SecurityEventMessage } from './socket';

// The realtime contract across real server processes, as an operator runs them behind a load
// balancer: three processes on one PostgreSQL, then a soak of idle subscriptions on one.
const RUN = randomBytes(4).toString('hex');
const ENV = {
  NODE_ENV: 'production',
  HOST: '127.0.0.1',
  PORT: '0',
  LOG_LEVEL: 'warn',
  JWT_SECRET: 'realtime-processes-jwt-secret-'.padEnd(48, 'j'),
  CODE_SECRET: 'realtime-processes-code-secret-'.padEnd(48, 'c'),
  ENCRYPTION_KEY: 'realtime-processes-encryption-key-'.padEnd(48, 'e'),
  ARGON2_MEMORY_KIB: '1024',
  ARGON2_ITERATIONS: '1',
  DATABASE_POOL_SIZE: '5',
  TRUST_PROXY: '127.0.0.1',
  RATE_LIMIT_IP_PER_MINUTE: '100000',
  RATE_LIMIT_REFRESH_IP_PER_MINUTE: '100000',
  REALTIME_MAX_SOCKETS_PER_IP: '2000',
  REALTIME_MAX_SOCKETS_PER_USER: '1000',
  METRICS_TOKEN: 'realtime-processes-metrics-token',
};
const SOAK_SOCKETS = 500;

interface Tab {
  events: SecurityEventMessage[];
  closed: Promise<{ code: number; reason: string }>;
  waitFor(match: (e: SecurityEventMessage) => boolean, timeoutMs?: number): Promise<SecurityEventMessage>;
  dispose(): Promise<void>;
}

/** A subscriber in its own socket: what an app's tab holds. */
function openTab(instance: Instance, accessToken: string): Tab {
  const { client, closed } = connect(instance.url, { authorization: `Bearer ${accessToken}` });
  const events: SecurityEventMessage[] = [];
  client.subscribe<{ securityEvents: SecurityEventMessage }>(
    { query: SECURITY_EVENTS },
    { next: (result) => result.data && events.push(result.data.securityEvents), error: () => undefined, complete: () => undefined },
  );
  return {
    events,
    closed,
    waitFor: (match, timeoutMs = 10_000) =>
      waitUntil(
        () => events.find(match),
        timeoutMs,
        () => `no matching event within ${timeoutMs} ms; got ${JSON.stringify(events)}`,
      ),
    dispose: () => client.dispose() as Promise<void>,
  };
}

/**
 * Logs in through `via` with a marked user agent until `tabs` have each seen one: the server
 * runs a subscription some time after its message arrives, and there is no ack to wait for.
 */
async function untilListening(via: Instance, email: string, tabs: Tab[]): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (let n = 0; ; n++) {
    const agent = `Probe/${n}`;
    await via.gql(LOGIN, { input: { email, password: PASSWORD } }, { 'user-agent': agent });
    await new Promise((resolve) => setTimeout(resolve, 300));
    if (tabs.every((tab) => tab.events.some((e) => e.userAgent?.startsWith('Probe/')))) return;
    if (Date.now() > deadline) throw new Error('the subscriptions never started');
  }
}

describeWith(['postgres'], 'realtime across server processes on one PostgreSQL', () => {
  let database: { url: string; drop(): Promise<void> };
  let smtp: SmtpCapture;
  let dataDir: string;
  let instances: Instance[] = [];
  let A: Instance;
  let B: Instance;
  let C: Instance;

  async function verifiedUser(via: Instance, label: string): Promise<{ email: string; token: TokenPayload }> {
    const email = `${label}-${RUN}-${randomBytes(3).toString('hex')}@example.test`;
    const earlier = new Set(smtp.messages);
    await via.gql(REGISTER, { input: { email, password: PASSWORD } });
    const code = codeIn(await smtp.waitFor((m) => m.to === email && !earlier.has(m)));
    const verified = await via.gql<{ verifyEmail: TokenPayload }>(VERIFY, { input: { email, code } });
    if (!verified.data) throw new Error(`verifyEmail failed: ${JSON.stringify(verified.errors)}`);
    return { email, token: verified.data.verifyEmail };
  }

  beforeAll(async () => {
    database = await createPostgresDatabase('girok_realtime_processes');
    smtp = await startSmtpCapture();
    dataDir = mkdtempSync(join(tmpdir(), 'girok-realtime-processes-'));
    // `--gc-global`: every collection is a full one, so the heap the soak reads is what is kept,
    // not garbage a major collection has not reached yet.
    instances = await startInstances(['A', 'B', 'C'], { ...ENV, DATABASE_URL: database.url, SMTP_URL: smtp.url, DATA_DIR: dataDir }, '10.9.8.7', 60_000, [
      '--gc-global',
    ]);
    [A, B, C] = instances;
  }, 90_000);

  afterAll(async () => {
    await stopInstances(instances);
    await smtp?.close();
    await database?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }, 30_000);

  it('delivers what happens on any process to the subscriber on another, and never another user’s events', async () => {
    const ada = await verifiedUser(A, 'ada');
    const bob = await verifiedUser(A, 'bob');
    const adaTab = openTab(A, ada.token.accessToken);
    const bobTab = openTab(C, bob.token.accessToken);
    await untilListening(B, ada.email, [adaTab]);
    await untilListening(B, bob.email, [bobTab]);

    await B.gql(LOGIN, { input: { email: ada.email, password: PASSWORD } }, { 'user-agent': 'ViaB/1' });
    await C.gql(LOGIN, { input: { email: ada.email, password: PASSWORD } }, { 'user-agent': 'ViaC/1' });
    expect((await adaTab.waitFor((e) => e.userAgent === 'ViaB/1')).type).toBe('LOGIN_SUCCEEDED');
    expect((await adaTab.waitFor((e) => e.userAgent === 'ViaC/1')).type).toBe('LOGIN_SUCCEEDED');
    // Bob's tab on C saw its own probes only, none of Ada's sign-ins.
    await B.gql(LOGIN, { input: { email: bob.email, password: PASSWORD } }, { 'user-agent': 'BobLast/1' });
    await bobTab.waitFor((e) => e.userAgent === 'BobLast/1');
    expect(bobTab.events.filter((e) => e.userAgent?.startsWith('Via'))).toEqual([]);
    await Promise.all([adaTab.dispose(), bobTab.dispose()]);
  });

  it('closes a socket on one process with 4401 when its session is logged out through another', async () => {
    const ada = await verifiedUser(B, 'revoked');
    const tab = openTab(A, ada.token.accessToken);
    await untilListening(C, ada.email, [tab]);
    expect((await C.gql(LOGOUT, { token: ada.token.refreshToken })).data).toEqual({ logout: true });
    expect(await tab.closed).toEqual({ code: 4401, reason: 'Session ended' });
    expect(tab.events.at(-1)?.type).toBe('SESSION_REVOKED');
  });

  it(`keeps ${SOAK_SOCKETS} idle subscriptions with events flowing at a flat heap`, async () => {
    const soak = await verifiedUser(B, 'soak');
    const heapUsedMb = async () => {
      const metrics = await fetch(C.url.replace(/\/graphql$/, '/metrics'), { headers: { authorization: `Bearer ${ENV.METRICS_TOKEN}` } });
      const text = await metrics.text();
      const line = text.split('\n').find((l) => l.startsWith('girok_nodejs_heap_size_used_bytes '))!;
      return Number(line.split(' ')[1]) / 2 ** 20;
    };
    const tabs = Array.from({ length: SOAK_SOCKETS }, () => openTab(C, soak.token.accessToken));
    await untilListening(B, soak.email, tabs);
    // One round: 20 sign-ins on another process, 10,000 deliveries, all of them arriving.
    let round = 0;
    const deliverRound = async () => {
      const mark = `Soak${round++}/`;
      for (let i = 0; i < 20; i++) await A.gql(LOGIN, { input: { email: soak.email, password: PASSWORD } }, { 'user-agent': `${mark}${i}` });
      await Promise.all(tabs.map((tab) => tab.waitFor((e) => e.userAgent === `${mark}19`, 30_000)));
      expect(tabs.every((tab) => tab.events.filter((e) => e.userAgent?.startsWith(mark)).length === 20)).toBe(true);
    };
    // The first round warms up (JIT, buffers); what is left after it must not grow with more.
    await deliverRound();
    const settled = await heapUsedMb();
    for (let i = 0; i < 3; i++) await deliverRound();
    const after = await heapUsedMb();
    expect(after - settled).toBeLessThan(48);
    await Promise.all(tabs.map((tab) => tab.dispose()));
  }, 120_000);

  it('tells its sockets 1001 on SIGTERM and exits cleanly', async () => {
    const ada = await verifiedUser(B, 'shutdown');
    const tab = openTab(A, ada.token.accessToken);
    await untilListening(B, ada.email, [tab]);
    A.child.kill('SIGTERM');
    expect((await tab.closed).code).toBe(1001);
    expect(await A.exited).toBe(0);
  }, 30_000);
});
