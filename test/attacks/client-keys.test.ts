import { LimiterStore, MEMORY_KEYS_PER_BUCKET } from '../../src/abuse/limiter-store';
import { startTestServer, errorCode, type TestServer } from '../support/server';
import { LOGIN, PASSWORD, uniqueEmail } from '../support/flows';

// Finding 15: one IPv6 subscriber, one budget; and an in-memory store that cannot grow without end.
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ TRUST_PROXY: '127.0.0.1', RATE_LIMIT_IP_PER_MINUTE: '3' });
});
afterAll(() => server?.close());

const loginFrom = (ip: string) => server.gql(LOGIN, { input: { email: uniqueEmail(), password: PASSWORD } }, { 'x-forwarded-for': ip });

describe('per-IP budgets', () => {
  it('count a whole IPv6 /64 as one client, however many of its addresses it rotates through', async () => {
    const answers = [];
    for (let i = 1; i <= 4; i++) answers.push(errorCode(await loginFrom(`2001:db8:aa:bb::${i.toString(16)}:1`)));
    expect(answers).toEqual(['INVALID_CREDENTIALS', 'INVALID_CREDENTIALS', 'INVALID_CREDENTIALS', 'RATE_LIMITED']);
    // The next /64 is another client.
    expect(errorCode(await loginFrom('2001:db8:aa:bc::1'))).toBe('INVALID_CREDENTIALS');
  });

  it('count an IPv4-mapped IPv6 address as its IPv4 address', async () => {
    for (let i = 0; i < 3; i++) await loginFrom('198.51.100.20');
    expect(errorCode(await loginFrom('::ffff:198.51.100.20'))).toBe('RATE_LIMITED');
  });
});

describe('the in-memory limiter store', () => {
  it(`keeps at most ${MEMORY_KEYS_PER_BUCKET} keys a bucket, dropping the oldest`, async () => {
    const store = LimiterStore.inMemory({ warn: () => undefined, info: () => undefined });
    const bucket = store.bucket({ keyPrefix: 'flood', points: 5, duration: 3600 });
    for (let i = 0; i < MEMORY_KEYS_PER_BUCKET + 5_000; i++) await bucket.consume(`client-${i}`);
    expect((bucket as unknown as { size: number }).size).toBe(MEMORY_KEYS_PER_BUCKET);
    expect(await bucket.get('client-0')).toBeNull();
    expect(await bucket.get(`client-${MEMORY_KEYS_PER_BUCKET + 4_999}`)).not.toBeNull();
  });
});
