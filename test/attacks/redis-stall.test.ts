import { spawn, type ChildProcess } from 'node:child_process';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { describeWith } from '../support/requirements';
import { startTestServer, type TestServer } from '../support/server';
import { LOGIN, REGISTER, PASSWORD, createVerifiedUser, uniqueEmail } from '../support/flows';
import { freePort } from '../support/ports';

// Finding 7: a Redis that stops answering (a stall, not a refusal) must not freeze sign-in.
describeWith(['redisServer'], 'a stalled Redis', () => {
  let redis: ChildProcess;
  let server: TestServer;
  const lines: string[] = [];

  beforeAll(async () => {
    const port = await freePort();
    // A Redis of this test's own, so pausing it stalls no one else.
    redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    await waitForPing(port);
    const logStream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    server = await startTestServer({ REDIS_URL: `redis://127.0.0.1:${port}`, RATE_LIMIT_REDIS_TIMEOUT_MS: '300', LOG_LEVEL: 'warn' }, undefined, { logStream });
  }, 60_000);
  afterAll(async () => {
    redis?.kill('SIGCONT');
    await server?.close();
    redis?.kill('SIGKILL');
  });

  function within<T>(ms: number, work: Promise<T>): Promise<T | 'still waiting'> {
    return Promise.race([work, new Promise<'still waiting'>((resolve) => setTimeout(() => resolve('still waiting'), ms))]);
  }

  it('leaves login and register answering, from memory, and says so in the log', async () => {
    const { email, password } = await createVerifiedUser(server);
    redis.kill('SIGSTOP');
    try {
      const login = await within(5_000, server.gql(LOGIN, { input: { email, password } }));
      expect(login).not.toBe('still waiting');
      expect(login !== 'still waiting' && login.data?.login.user.email).toBe(email);
      const register = await within(5_000, server.gql(REGISTER, { input: { email: uniqueEmail(), password: PASSWORD } }));
      expect(register !== 'still waiting' && register.errors).toBeUndefined();
      expect(lines.join('')).toMatch(/Redis command failed or timed out; this instance decides from memory/);
    } finally {
      redis.kill('SIGCONT');
    }
  });
});

async function waitForPing(port: number): Promise<void> {
  for (const deadline = Date.now() + 10_000; Date.now() < deadline;) {
    const client = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => undefined);
    try {
      await client.connect();
      if ((await client.ping()) === 'PONG') return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    } finally {
      client.disconnect();
    }
  }
  throw new Error(`redis-server on port ${port} did not answer`);
}
