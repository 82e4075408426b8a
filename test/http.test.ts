import { request } from 'node:http';
import { connect } from 'node:net';
import { Client } from 'pg';
import { createTestDatabase } from './support/database';
import { describeWith } from './support/requirements';
import { startTestServer, type TestServer } from './support/server';
import { LOGIN, ME, bearer, createVerifiedUser } from './support/flows';

/** POSTs a GraphQL body in two halves, calling `between` after the first half is on the wire. */
function postInTwoHalves(url: string, body: string, between: () => Promise<void>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    const half = Math.floor(body.length / 2);
    req.write(body.slice(0, half));
    setTimeout(() => {
      between().catch(reject);
      setTimeout(() => req.end(body.slice(half)), 200);
    }, 100);
  });
}

describe('HTTP routes', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server?.close());

  it('answers /healthz and /readyz', async () => {
    const health = await fetch(new URL('/healthz', server.url));
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await fetch(new URL('/readyz', server.url));
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ok', database: 'up' });
  });

  it('returns the request id it logs under, keeping a safe one from the caller', async () => {
    const response = await server.gql('{ __typename }', {}, { 'x-request-id': 'trace-abc.123' });
    expect(response.headers.get('x-request-id')).toBe('trace-abc.123');
    const generated = await server.gql('{ __typename }', {}, { 'x-request-id': 'bad id\twith tab' });
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('unexpected failures', () => {
  it('reach the client as INTERNAL_SERVER_ERROR with no SQL or stack', async () => {
    const server = await startTestServer();
    try {
      const user = await createVerifiedUser(server);
      // A broken schema makes login and `me` fail deep in the database layer.
      await server.app.orm.em.fork().getConnection().execute('drop table sessions cascade');
      const failures = [
        await server.gql(LOGIN, { input: { email: user.email, password: user.password } }),
        await server.gql(ME, {}, bearer(user.token.accessToken)),
      ];
      for (const failed of failures) {
        expect(failed.errors).toEqual([
          { message: 'Internal server error', locations: expect.any(Array), path: expect.any(Array), extensions: { code: 'INTERNAL_SERVER_ERROR' } },
        ]);
        expect(JSON.stringify(failed)).not.toMatch(/select|insert|relation|sessions|stack|at \w+ \(/i);
      }
      expect((await fetch(new URL('/healthz', server.url))).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});

// Cutting one database off needs a server to do it on; PGlite lives inside the app.
describeWith(['postgres'], '/readyz when the database refuses connections', () => {
  const admin = process.env.TEST_DATABASE_URL!;

  it('answers 503 while no connection can be made, and 200 once it can', async () => {
    const database = await createTestDatabase();
    const server = await startTestServer({}, database);
    const name = new URL(database.url!).pathname.slice(1);
    const cut = new Client({ connectionString: admin });
    await cut.connect();
    try {
      await cut.query(`alter database ${name} allow_connections false`);
      await cut.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [name]);
      const down = await fetch(new URL('/readyz', server.url));
      expect(down.status).toBe(503);
      expect(await down.json()).toEqual({ status: 'unavailable', database: 'down' });
      expect((await fetch(new URL('/healthz', server.url))).status).toBe(200);

      await cut.query(`alter database ${name} allow_connections true`);
      // Pooled connections the cut terminated may still be handed out once each and fail; the
      // next probe, as a load balancer sends them, finds the database up.
      let status = 0;
      for (const deadline = Date.now() + 5000; status !== 200 && Date.now() < deadline;) {
        status = (await fetch(new URL('/readyz', server.url))).status;
        if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(status).toBe(200);
    } finally {
      await cut.query(`alter database ${name} allow_connections true`);
      await cut.end();
      await server.close();
      await database.drop();
    }
  });
});

describe('graceful shutdown', () => {
  it('finishes a request in flight, then stops accepting', async () => {
    const server = await startTestServer();
    let closed: Promise<void> | undefined;
    const body = JSON.stringify({ query: '{ __typename }' });
    const answer = await postInTwoHalves(server.url, body, async () => {
      closed = server.app.close();
    });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ data: { __typename: 'Query' } });
    await closed;
    await expect(fetch(server.url, { method: 'POST', body })).rejects.toThrow();
    await server.close();
  });

  it('cuts a connection still busy after SHUTDOWN_TIMEOUT instead of waiting on it forever', async () => {
    const server = await startTestServer({ SHUTDOWN_TIMEOUT: '1' });
    // Headers of a POST whose body never comes: the request stays in flight.
    const target = new URL(server.url);
    const socket = connect(Number(target.port), target.hostname);
    await new Promise((resolve) => socket.once('connect', resolve));
    const ended = new Promise((resolve) => socket.once('close', resolve));
    socket.write(`POST /graphql HTTP/1.1\r\nhost: ${target.host}\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"query":`);
    await new Promise((resolve) => setTimeout(resolve, 100));

    const outcome = await Promise.race([
      server.app.close().then(() => 'closed'),
      new Promise((resolve) => setTimeout(() => resolve('still draining after 10 s'), 10_000)),
    ]);
    expect(outcome).toBe('closed');
    await ended;
    await server.close();
  });
});
