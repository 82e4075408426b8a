import { randomBytes, randomInt } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrationsList } from '../../src/db/migrations';
import { LOGIN, LOGOUT, ME, PASSWORD, REFRESH, REGISTER, VERIFY, bearer, type TokenPayload } from '../support/flows';
import { ADMIN_DATABASE_URL, createPostgresDatabase } from '../support/database';
import { codeIn, errorCode, type GraphqlResponse } from '../support/server';
import { startSmtpCapture, type SmtpCapture } from '../support/smtp';
import { describeWith } from '../support/requirements';
import { deleteKeys, query, startInstances, stopInstances, waitUntil, type Instance } from './instances';

const ADMIN_URL = ADMIN_DATABASE_URL;
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
// This run's addresses and client IP name its rate-limit keys, so other runs sharing the Redis keep theirs.
const RUN = randomBytes(4).toString('hex');
const CLIENT_IP = `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`;
const GRACE_SECONDS = 2;
const LEASE_SECONDS = 5;
const CODE_MAX_ATTEMPTS = 5;
const LOGIN_FAILURES = 5;

/** Every instance gets the same settings, as behind one load balancer. */
const INSTANCE_ENV = {
  NODE_ENV: 'production',
  HOST: '127.0.0.1',
  PORT: '0',
  LOG_LEVEL: 'warn',
  JWT_SECRET: 'multi-instance-jwt-secret-'.padEnd(48, 'j'),
  CODE_SECRET: 'multi-instance-code-secret-'.padEnd(48, 'c'),
  ENCRYPTION_KEY: 'multi-instance-encryption-key-'.padEnd(48, 'e'),
  MAIL_FROM: 'Girok <no-reply@girok.test>',
  ARGON2_MEMORY_KIB: '1024',
  ARGON2_ITERATIONS: '1',
  DATABASE_POOL_SIZE: '5',
  // The test is the load balancer: it forwards the client's address from loopback.
  TRUST_PROXY: '127.0.0.1',
  RATE_LIMIT_IP_PER_MINUTE: '100000',
  RATE_LIMIT_REFRESH_IP_PER_MINUTE: '100000',
  RATE_LIMIT_CODE_FAILURES: '1000',
  RATE_LIMIT_LOGIN_FAILURES: String(LOGIN_FAILURES),
  CODE_MAX_ATTEMPTS: String(CODE_MAX_ATTEMPTS),
  REFRESH_REUSE_GRACE: String(GRACE_SECONDS),
  MAIL_LEASE: String(LEASE_SECONDS),
  MAIL_SEND_TIMEOUT: String(LEASE_SECONDS - 1),
};

let database: { url: string; drop(): Promise<void> } | undefined;
let smtp: SmtpCapture | undefined;
let dataDir: string | undefined;
let instances: Instance[] = [];
let A: Instance;
let B: Instance;
let C: Instance;

describeWith(['postgres', 'redis'], 'three instances on one PostgreSQL and one Redis', () => {
  beforeAll(async () => {
    database = await createPostgresDatabase(`girok_test_multi_${RUN}`, ADMIN_URL);
    smtp = await startSmtpCapture();
    dataDir = mkdtempSync(join(tmpdir(), 'girok-multi-'));
    const env = { ...INSTANCE_ENV, DATABASE_URL: database.url, REDIS_URL, SMTP_URL: smtp.url, DATA_DIR: dataDir };
    instances = await startInstances(['A', 'B', 'C'], env, CLIENT_IP);
    [A, B, C] = instances;
  }, 45_000);

  afterAll(async () => {
    await stopInstances(instances);
    await smtp?.close();
    await database?.drop();
    await deleteKeys(REDIS_URL, [`girok:rl:*:${CLIENT_IP}`, `girok:rl:*-${RUN}@*`]);
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }, 20_000);

  it('migrate the empty database exactly once while booting together', async () => {
    const applied = await query<{ name: string }>(database!.url, 'select name from mikro_orm_migrations order by id');
    expect(applied.map((m) => m.name)).toEqual(migrationsList.map((m) => m.name));
    for (const instance of instances) {
      expect((await fetch(instance.url.replace(/graphql$/, 'readyz'))).status).toBe(200);
      expect((await instance.gql('{ __typename }')).data).toEqual({ __typename: 'Query' });
    }
  });

  it('end a session on every instance at once: login on A, logout on B, me on C', async () => {
    const { email } = await verifiedUser(C, B);
    const token = await login(A, email);
    expect((await C.gql(ME, {}, bearer(token.accessToken))).data?.me?.email).toBe(email);

    expect((await B.gql(LOGOUT, { token: token.refreshToken })).data?.logout).toBe(true);
    expect((await C.gql(ME, {}, bearer(token.accessToken))).data).toEqual({ me: null });
    expect((await A.gql(ME, {}, bearer(token.accessToken))).data).toEqual({ me: null });
    expect(errorCode(await C.gql(REFRESH, { token: token.refreshToken }))).toBe('SESSION_REVOKED');
  });

  it('revoke the family when a rotated token comes back after the grace window on another instance', async () => {
    const { email } = await verifiedUser(A, A);
    const first = await login(A, email);
    const second = ok(await A.gql<{ refreshToken: TokenPayload }>(REFRESH, { token: first.refreshToken }), 'refreshToken');
    await sleep((GRACE_SECONDS + 1) * 1000);

    expect(errorCode(await B.gql(REFRESH, { token: first.refreshToken }))).toBe('TOKEN_REUSED');
    expect(errorCode(await C.gql(REFRESH, { token: second.refreshToken }))).toBe('SESSION_REVOKED');
    expect((await C.gql(ME, {}, bearer(second.accessToken))).data).toEqual({ me: null });
  });

  it('give a burst of refreshes of one token over A, B and C one successor, and keep the session', async () => {
    const { email } = await verifiedUser(B, B);
    const start = await login(B, email);
    const burst = await Promise.all(
      instances.flatMap((instance) => [1, 2, 3].map(() => instance.gql<{ refreshToken: TokenPayload }>(REFRESH, { token: start.refreshToken }))),
    );

    expect(burst.map((r) => r.errors?.[0]?.extensions?.code ?? null)).toEqual(Array(9).fill(null));
    const successors = new Set(burst.map((r) => r.data!.refreshToken.refreshToken));
    expect(successors.size).toBe(1);
    const sessionId = sessionOf(start.accessToken);
    // One rotation happened: the session moved from its first token (0) to one successor (1).
    const [{ counter }] = await query<{ counter: string }>(database!.url, 'select refresh_counter as counter from sessions where id = $1', [sessionId]);
    expect(Number(counter)).toBe(1);

    const next = ok(await C.gql<{ refreshToken: TokenPayload }>(REFRESH, { token: [...successors][0] }), 'refreshToken');
    expect((await A.gql(ME, {}, bearer(next.accessToken))).data?.me?.email).toBe(email);
  });

  it('count wrong code guesses spread over A, B and C against one limit', async () => {
    const email = address('guess');
    const code = codeIn(await registerAndMail(A, email));
    const wrong = (i: number) => String((Number(code) + 1 + i) % 1_000_000).padStart(6, '0');
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => instances[i % 3].gql(VERIFY, { input: { email, code: wrong(i) } })));

    const codes = answers.map(errorCode);
    expect(codes.filter((c) => c === 'INVALID_CODE')).toHaveLength(CODE_MAX_ATTEMPTS - 1);
    expect(codes.filter((c) => c === 'TOO_MANY_ATTEMPTS')).toHaveLength(40 - (CODE_MAX_ATTEMPTS - 1));
    const [{ attempts }] = await query<{ attempts: number }>(
      database!.url,
      'select c.attempts from codes c join users u on u.id = c.user_id where u.email = $1',
      [email],
    );
    expect(attempts).toBe(CODE_MAX_ATTEMPTS);
    expect(errorCode(await B.gql(VERIFY, { input: { email, code } }))).toBe('TOO_MANY_ATTEMPTS');
  });

  it('refuse failed logins spread over A, B and C after the budget of one instance', async () => {
    const { email } = await verifiedUser(A, C);
    const sequential: (string | undefined)[] = [];
    for (let i = 0; i < LOGIN_FAILURES + 3; i++) {
      sequential.push(errorCode(await instances[i % 3].gql(LOGIN, { input: { email, password: `wrong ${i}` } })));
    }
    expect(sequential).toEqual([...Array(LOGIN_FAILURES).fill('INVALID_CREDENTIALS'), ...Array(3).fill('RATE_LIMITED')]);
    for (const instance of instances) expect(errorCode(await instance.gql(LOGIN, { input: { email, password: PASSWORD } }))).toBe('RATE_LIMITED');

    // At once, too: each call reserves its point in Redis before the password is checked.
    const other = await verifiedUser(B, A);
    const burst = await Promise.all(
      Array.from({ length: 15 }, (_, i) => instances[i % 3].gql(LOGIN, { input: { email: other.email, password: `wrong ${i}` } })),
    );
    const codes = burst.map(errorCode);
    expect(codes.filter((c) => c === 'INVALID_CREDENTIALS')).toHaveLength(LOGIN_FAILURES);
    expect(codes.filter((c) => c === 'RATE_LIMITED')).toHaveLength(15 - LOGIN_FAILURES);
  });

  it('send each of 100 verification mails exactly once from three mail workers', async () => {
    const emails = Array.from({ length: 100 }, (_, i) => address(`mail${i}`));
    const answers = await inPool(emails.length, 12, (i) => instances[i % 3].gql(REGISTER, { input: { email: emails[i], password: PASSWORD } }));
    expect(answers.filter((r) => !r.data?.register)).toEqual([]);

    const wanted = new Set(emails);
    const arrived = () => smtp!.messages.filter((m) => wanted.has(m.to));
    await waitUntil(
      () => (arrived().length >= emails.length ? true : undefined),
      30_000,
      () => `${arrived().length} of 100 mails arrived`,
    );
    // Once every row is marked sent, no worker can send one again.
    await waitUntil(
      async () => ((await sentCount(emails)) === emails.length ? true : undefined),
      10_000,
      () => 'outbox rows not all sent',
    );
    await sleep(500); // room for a late copy, were any worker still sending one

    const mails = arrived();
    expect(mails).toHaveLength(100);
    expect(new Set(mails.map((m) => m.to)).size).toBe(100);
    expect(new Set(mails.map((m) => m.messageId)).size).toBe(100);
    expect(mails.every((m) => /\b\d{6}\b/.test(m.text))).toBe(true);
  }, 60_000);

  it('serve on when an instance is SIGKILLed mid-traffic, and deliver its pending mails from the survivors', async () => {
    const reader = await verifiedUser(A, B);
    let killed = false;
    let running = true;
    const calls: { instance: string; afterKill: boolean; ok: boolean }[] = [];
    const traffic = (async () => {
      for (let i = 0; running; i++) {
        const instance = instances[i % 3];
        const afterKill = killed;
        const ok = await instance.gql(ME, {}, bearer(reader.token.accessToken)).then(
          (r) => r.data?.me?.email === reader.email,
          () => false,
        );
        calls.push({ instance: instance.name, afterKill, ok });
        await sleep(20);
      }
    })();

    // A slow relay: C's worker, woken by its own commits, is caught mid-send holding its claim.
    smtp!.setDelay(3_000);
    const before = Array.from({ length: 12 }, (_, i) => address(`killed${i}`));
    const registered = await Promise.all(before.map((email) => C.gql(REGISTER, { input: { email, password: PASSWORD } })));
    expect(registered.filter((r) => !r.data?.register)).toEqual([]);
    await waitUntil(
      async () => ((await claimedUnsent(before)) > 0 ? true : undefined),
      5_000,
      () => 'no mail claimed',
    );

    C.child.kill('SIGKILL');
    expect(await C.exited).toBe('SIGKILL');
    killed = true;
    smtp!.setDelay(0);
    const after = Array.from({ length: 6 }, (_, i) => address(`survivor${i}`));
    const survivors = await Promise.all(after.map((email, i) => [A, B][i % 2].gql(REGISTER, { input: { email, password: PASSWORD } })));
    expect(survivors.filter((r) => !r.data?.register)).toEqual([]);

    const everyone = [...before, ...after];
    const delivered = () => new Set(smtp!.messages.filter((m) => everyone.includes(m.to)).map((m) => m.to));
    await waitUntil(
      () => (delivered().size === everyone.length ? true : undefined),
      LEASE_SECONDS * 1000 + 15_000,
      () => `${delivered().size} of ${everyone.length} delivered`,
    );
    await waitUntil(
      async () => ((await sentCount(everyone)) === everyone.length ? true : undefined),
      10_000,
      () => 'outbox rows not all sent',
    );
    running = false;
    await traffic;

    // At least once, never lost: a copy C had handed to the relay may come again, with the same Message-ID.
    const mails = smtp!.messages.filter((m) => everyone.includes(m.to));
    expect(new Set(mails.map((m) => m.messageId)).size).toBe(everyone.length);
    // A row claimed twice is one whose first claim died with C and was taken over after its lease.
    const [{ takenOver }] = await query<{ takenOver: string }>(
      database!.url,
      `select count(*) as "takenOver" from mail_outbox where recipient = any($1) and attempts >= 2`,
      [before],
    );
    expect(Number(takenOver)).toBeGreaterThan(0);

    const servedAfter = calls.filter((c) => c.afterKill && c.instance !== 'C');
    expect(servedAfter.length).toBeGreaterThan(10);
    expect(servedAfter.every((c) => c.ok)).toBe(true);
  }, 60_000);
});

function address(label: string): string {
  return `${label}-${RUN}@example.test`;
}

async function registerAndMail(instance: Instance, email: string) {
  const answer = await instance.gql(REGISTER, { input: { email, password: PASSWORD } });
  if (!answer.data?.register) throw new Error(`register on ${instance.name} failed: ${JSON.stringify(answer.errors)}`);
  return smtp!.waitFor((m) => m.to === email, 15_000);
}

/** Registers on one instance and verifies the mailed code on another. */
async function verifiedUser(registerOn: Instance, verifyOn: Instance): Promise<{ email: string; token: TokenPayload }> {
  const email = address('user' + randomBytes(3).toString('hex'));
  const code = codeIn(await registerAndMail(registerOn, email));
  return { email, token: ok(await verifyOn.gql<{ verifyEmail: TokenPayload }>(VERIFY, { input: { email, code } }), 'verifyEmail') };
}

async function login(instance: Instance, email: string): Promise<TokenPayload> {
  return ok(await instance.gql<{ login: TokenPayload }>(LOGIN, { input: { email, password: PASSWORD } }), 'login');
}

function ok<T, K extends keyof T>(response: GraphqlResponse<T>, field: K): T[K] {
  const value = response.data?.[field];
  if (!value) throw new Error(`${String(field)} failed: ${JSON.stringify(response.errors)}`);
  return value;
}

function sessionOf(accessToken: string): string {
  return JSON.parse(Buffer.from(accessToken.split('.')[1], 'base64url').toString()).sid;
}

async function sentCount(recipients: string[]): Promise<number> {
  const [{ n }] = await query<{ n: string }>(database!.url, `select count(*) as n from mail_outbox where recipient = any($1) and status = 'sent'`, [
    recipients,
  ]);
  return Number(n);
}

async function claimedUnsent(recipients: string[]): Promise<number> {
  const [{ n }] = await query<{ n: string }>(
    database!.url,
    `select count(*) as n from mail_outbox where recipient = any($1) and status = 'pending' and attempts >= 1`,
    [recipients],
  );
  return Number(n);
}

/** Runs `count` calls, at most `limit` at a time, in order of index. */
async function inPool<T>(count: number, limit: number, work: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await work(i);
      }
    }),
  );
  return results;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
