import { createTestDatabase } from '../support/database';
import { describeWith } from '../support/requirements';
import { startTestServer, errorCode, type TestServer } from '../support/server';
import { LOGIN, REFRESH, createVerifiedUser, uniqueEmail, registerAndReadCode } from '../support/flows';

const METRICS_TOKEN = 'metrics-token-for-tests-0123456789';
let server: TestServer;
let origin: string;
beforeAll(async () => {
  server = await startTestServer({ METRICS_TOKEN, REFRESH_REUSE_GRACE: '0', RATE_LIMIT_LOGIN_FAILURES: '2' });
  origin = new URL(server.url).origin;
});
afterAll(() => server?.close());

async function scrape(): Promise<string> {
  const response = await fetch(`${origin}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
  return response.text();
}

/** The value of one sample, e.g. sample(text, 'girok_login_total{result="success",code=""}'); 0 when absent. */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

describe('GET /metrics', () => {
  it('refuses a scrape without the configured bearer token', async () => {
    expect((await fetch(`${origin}/metrics`)).status).toBe(401);
    expect((await fetch(`${origin}/metrics`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
  });

  it('counts and times operations by their root fields, whatever the client names them', async () => {
    await server.gql('query Probe { __typename }');
    await server.gql('query Other { __typename }');
    await server.gql('{ __typename }');
    const text = await scrape();
    expect(sample(text, 'girok_graphql_operations_total{operation="__typename",type="query",outcome="ok"}')).toBe(3);
    expect(sample(text, 'girok_graphql_operation_duration_seconds_count{operation="__typename",type="query"}')).toBe(3);
    expect(text).toMatch(/girok_graphql_operation_duration_seconds_bucket\{le="0.1",operation="__typename",type="query"\} \d/);
    expect(text).toContain('girok_process_cpu_user_seconds_total');
  });

  it('counts login successes and failures, refresh reuse and rate-limit refusals', async () => {
    const { email, password, token } = await createVerifiedUser(server);
    await server.gql(LOGIN, { input: { email, password } });
    expect(errorCode(await server.gql(LOGIN, { input: { email, password: 'wrong password here' } }))).toBe('INVALID_CREDENTIALS');

    // Spend the refresh token, then present it again: reuse with no grace window.
    await server.gql(REFRESH, { token: token.refreshToken });
    expect(errorCode(await server.gql(REFRESH, { token: token.refreshToken }))).toBe('TOKEN_REUSED');

    let refused = false;
    for (let i = 0; i < 5 && !refused; i++) {
      refused = errorCode(await server.gql(LOGIN, { input: { email, password: 'wrong password here' } })) === 'RATE_LIMITED';
    }
    expect(refused).toBe(true);

    const text = await scrape();
    expect(sample(text, 'girok_login_total{result="success",code=""}')).toBe(1);
    expect(sample(text, 'girok_login_total{result="failure",code="INVALID_CREDENTIALS"}')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'girok_login_total{result="failure",code="RATE_LIMITED"}')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'girok_refresh_token_reuse_total')).toBe(1);
    expect(sample(text, 'girok_rate_limited_total{field="login"}')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'girok_graphql_operations_total{operation="login",type="mutation",outcome="error"}')).toBeGreaterThanOrEqual(2);
  });

  it('reports the outbox pending and failed counts from the database', async () => {
    await registerAndReadCode(server, uniqueEmail());
    let text = await scrape();
    expect(sample(text, 'girok_mail_outbox{status="failed"}')).toBe(0);
    expect(text).toMatch(/^girok_mail_outbox\{status="pending"\} \d+$/m);

    await server.app.orm.em.fork().getConnection().execute(`update mail_outbox set status = 'failed' where id in (select id from mail_outbox limit 1)`);
    await server.app.orm.em
      .fork()
      .getConnection()
      .execute(
        `insert into mail_outbox (id, kind, recipient, locale, status, next_attempt_at) values (gen_random_uuid(), 'verification-code', 'x@example.test', 'en', 'pending', now() + interval '1 day')`,
      );
    text = await scrape();
    expect(sample(text, 'girok_mail_outbox{status="failed"}')).toBe(1);
    expect(sample(text, 'girok_mail_outbox{status="pending"}')).toBeGreaterThanOrEqual(1);
  });

  it('keeps client-chosen names out of the labels, so they cannot crowd out the real operations', async () => {
    const labels = (text: string) => new Set([...text.matchAll(/girok_graphql_operations_total\{operation="([^"]*)"/g)].map((m) => m[1]));
    const before = labels(await scrape());
    for (let i = 0; i < 300; i++) await server.gql(`query Flood${i} { __typename }`);
    await server.gql('query MeQuery { me { id } }');
    const after = labels(await scrape());
    expect([...after].filter((label) => !before.has(label))).toEqual(['me']);
  });
});

describe('GET /metrics without a token configured', () => {
  it('is open outside production, and METRICS_ENABLED=false removes it', async () => {
    const open = await startTestServer();
    const off = await startTestServer({ METRICS_ENABLED: 'false' });
    try {
      expect((await fetch(`${new URL(open.url).origin}/metrics`)).status).toBe(200);
      expect((await fetch(`${new URL(off.url).origin}/metrics`)).status).toBe(404);
    } finally {
      await Promise.all([open.close(), off.close()]);
    }
  });
});

// Production needs DATABASE_URL, so a real PostgreSQL.
describeWith(['postgres'], 'GET /metrics in production', () => {
  it('is off without METRICS_TOKEN, and the boot log says why', async () => {
    const lines: string[] = [];
    const database = await createTestDatabase();
    const logStream = { write: (line: string) => void lines.push(line) };
    const env = {
      NODE_ENV: 'production',
      JWT_SECRET: 'j'.repeat(48),
      CODE_SECRET: 'c'.repeat(48),
      ENCRYPTION_KEY: 'e'.repeat(48),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
    };
    const unguarded = await startTestServer(env, database, { logStream });
    const guarded = await startTestServer({ ...env, METRICS_TOKEN }, database);
    try {
      expect((await fetch(`${new URL(unguarded.url).origin}/metrics`)).status).toBe(404);
      expect(lines.join('')).toContain('METRICS_TOKEN');
      const scraped = await fetch(`${new URL(guarded.url).origin}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
      expect(scraped.status).toBe(200);
    } finally {
      await Promise.all([unguarded.close(), guarded.close()]);
      await database.drop();
    }
  });
});
