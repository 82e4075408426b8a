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

  it('counts and times operations by operation name', async () => {
    await server.gql('query Probe { __typename }');
    await server.gql('query Probe { __typename }');
    await server.gql('{ __typename }');
    const text = await scrape();
    expect(sample(text, 'girok_graphql_operations_total{operation="Probe",type="query",outcome="ok"}')).toBe(2);
    expect(sample(text, 'girok_graphql_operations_total{operation="anonymous",type="query",outcome="ok"}')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'girok_graphql_operation_duration_seconds_count{operation="Probe",type="query"}')).toBe(2);
    expect(text).toMatch(/girok_graphql_operation_duration_seconds_bucket\{le="0.1",operation="Probe",type="query"\} \d/);
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
    expect(sample(text, 'girok_graphql_operations_total{operation="Login",type="mutation",outcome="error"}')).toBeGreaterThanOrEqual(2);
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

  it('keeps client-chosen operation names from growing the label set without bound', async () => {
    await server.gql('query bad_name_ü { __typename }').catch(() => undefined);
    await server.gql(`query ${'x'.repeat(80)} { __typename }`);
    expect(sample(await scrape(), 'girok_graphql_operations_total{operation="other",type="query",outcome="ok"}')).toBeGreaterThanOrEqual(1);
  });
});

describe('GET /metrics without a token configured', () => {
  it('is open, and METRICS_ENABLED=false removes it', async () => {
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
