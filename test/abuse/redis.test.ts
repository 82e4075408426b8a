import { Redis } from 'ioredis';
import { describeWith } from '../support/requirements';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { startTestServer, errorCode, type TestServer } from '../support/server';
import { LOGIN, createVerifiedUser } from '../support/flows';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

describeWith(['redis'], 'rate limits in Redis', () => {
  let database: TestDatabase;
  let first: TestServer;
  let second: TestServer;
  let accounts: { email: string; password: string }[];
  beforeAll(async () => {
    // Two instances on one database and one Redis, as behind a load balancer.
    database = await createTestDatabase();
    const env = { REDIS_URL, RATE_LIMIT_LOGIN_FAILURES: '4' };
    first = await startTestServer(env, database);
    // Made before the second instance starts, so its mail worker cannot take the code mails.
    accounts = [await createVerifiedUser(first), await createVerifiedUser(first)];
    second = await startTestServer(env, database);
  });
  afterAll(async () => {
    await Promise.all([first?.close(), second?.close()]);
    await database?.drop();
  });

  it('share one failure budget across instances', async () => {
    expect(first.app.config.redisUrl).toBe(REDIS_URL);
    const { email, password } = accounts[0];
    const codes = [];
    for (let i = 0; i < 4; i++) codes.push(errorCode(await (i % 2 ? second : first).gql(LOGIN, { input: { email, password: `wrong ${i}` } })));
    expect(codes).toEqual(Array(4).fill('INVALID_CREDENTIALS'));
    for (const server of [first, second]) {
      const limited = await server.gql(LOGIN, { input: { email, password } });
      expect(errorCode(limited)).toBe('RATE_LIMITED');
      expect(limited.errors![0].extensions!.retryAfter).toBeGreaterThan(800);
    }
  });

  it('keep the counters in Redis, where a new instance finds them', async () => {
    const { email } = accounts[1];
    await second.gql(LOGIN, { input: { email, password: 'wrong' } });
    const redis = new Redis(REDIS_URL);
    try {
      expect(await redis.get(`girok:rl:failures:email:${email}`)).toBe('1');
    } finally {
      redis.disconnect();
    }
  });
});
