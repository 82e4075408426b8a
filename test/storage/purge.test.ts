import { createSharedDatabase } from '../support/database';
import { startTestServer, errorCode, type TestServer } from '../support/server';
import { LOGOUT, REFRESH, REGISTER, PASSWORD, REQUEST_RESET, createVerifiedUser, login, uniqueEmail, type TokenPayload } from '../support/flows';

// Issue "storage that stays flat": everything that ends is purged, by every instance, once.
const RETAIN = { MAINTENANCE_INTERVAL: '1', SESSION_RETENTION: '2', UNVERIFIED_ACCOUNT_RETENTION: '2', SECURITY_EVENT_RETENTION: '3' };

async function eventually(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline;) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error('not within the time allowed');
}

async function scrape(server: TestServer, series: string): Promise<number> {
  const text = await (await fetch(new URL('/metrics', server.url))).text();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

describe('the periodic purge', () => {
  let server: TestServer;
  const count = async (query: string, params: unknown[] = []) => Number((await server.app.orm.em.fork().getConnection().execute(query, params))[0].n);
  beforeAll(async () => {
    // Codes live 10 s: the shortest CODE_TTL, so one can expire within the test.
    server = await startTestServer({ ...RETAIN, CODE_TTL: '10', RATE_LIMIT_MAIL_PER_HOUR: '100' });
  });
  afterAll(() => server?.close());

  it('removes ended sessions, unverified sign-ups, expired codes and old events soon after they are due', async () => {
    const { email, password, token: live } = await createVerifiedUser(server);
    const loggedOut: TokenPayload[] = [];
    for (let i = 0; i < 21; i++) loggedOut.push(await login(server, email, password));
    // Each logout ends its session (the purge may already be taking the first ones meanwhile).
    for (const session of loggedOut) expect((await server.gql(LOGOUT, { token: session.refreshToken })).data).toEqual({ logout: true });
    const pending = Array.from({ length: 10 }, () => uniqueEmail('never-verified'));
    expect(new Set(pending).size).toBe(10);
    for (const address of pending) await server.gql(REGISTER, { input: { email: address, password: PASSWORD } });
    await server.gql(REQUEST_RESET, { email });
    const userId = live.user.id;

    await eventually(async () => (await count(`select count(*) as n from sessions where user_id = ?`, [userId])) === 1);
    await eventually(async () => (await count(`select count(*) as n from users where email like 'never-verified-%'`)) === 0);
    // The reset code expires after 10 s, then goes; the events of the sign-ins after 3 s.
    await eventually(async () => (await count(`select count(*) as n from codes where user_id = ?`, [userId])) === 0, 30_000);
    await eventually(async () => (await count(`select count(*) as n from security_events where user_id = ?`, [userId])) === 0);

    // The idle live session is untouched and still refreshes.
    expect((await server.gql(REFRESH, { token: live.refreshToken })).data?.refreshToken.user.id).toBe(userId);
    expect(await scrape(server, 'girok_purged_rows_total{kind="sessions"}')).toBeGreaterThanOrEqual(21);
    expect(await scrape(server, 'girok_purged_rows_total{kind="unverified_accounts"}')).toBeGreaterThanOrEqual(10);
    expect(errorCode(await server.gql(REFRESH, { token: loggedOut[0].refreshToken }))).toBe('UNAUTHENTICATED');
  }, 60_000);
});

describe('two instances purging at once', () => {
  it('remove each ended session once, with no error and no deadlock', async () => {
    const database = await createSharedDatabase();
    const logs: string[] = [];
    const capture = { write: (line: string) => void logs.push(line) };
    // Instances of one deployment share their secrets, as docs/production.md says.
    const shared = { ...RETAIN, LOG_LEVEL: 'info', JWT_SECRET: 'j'.repeat(48), CODE_SECRET: 'c'.repeat(48), ENCRYPTION_KEY: 'e'.repeat(48) };
    // The first instance migrates; the ended sessions are written before either purges them.
    const first = await startTestServer({ ...shared, MAINTENANCE_INTERVAL: '3600' }, database, { logStream: capture });
    const { token } = await createVerifiedUser(first);
    const sessions = 2_000;
    await first.app.orm.em
      .fork()
      .getConnection()
      .execute(
        `insert into sessions (id, user_id, created_at, last_used_at, expires_at, revoked_at, revoked_reason)
         select gen_random_uuid(), ?, now() - interval '1 hour', now() - interval '1 hour', now() + interval '1 day', now() - interval '1 hour', 'logout'
           from generate_series(1, ?)`,
        [token.user.id, sessions],
      );
    await first.app.close();
    const [a, b] = await Promise.all([startTestServer(shared, database, { logStream: capture }), startTestServer(shared, database, { logStream: capture })]);
    try {
      const left = async () =>
        Number((await a.app.orm.em.fork().getConnection().execute(`select count(*) as n from sessions where revoked_at is not null`))[0].n);
      await eventually(async () => (await left()) === 0);
      const purged = (await scrape(a, 'girok_purged_rows_total{kind="sessions"}')) + (await scrape(b, 'girok_purged_rows_total{kind="sessions"}'));
      expect(purged).toBe(sessions);
      expect(logs.filter((line) => /"level":(50|60)/.test(line))).toEqual([]);
      expect((await a.gql(REFRESH, { token: token.refreshToken })).data?.refreshToken.user.id).toBe(token.user.id);
    } finally {
      await Promise.all([a.close(), b.close()]);
      await first.close();
      await database.drop();
    }
  }, 90_000);
});
