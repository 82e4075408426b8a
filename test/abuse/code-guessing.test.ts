import { startTestServer, errorCode, type TestServer } from '../support/server';
import { VERIFY, registerAndReadCode, uniqueEmail } from '../support/flows';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.close());

describe('code guessing', () => {
  it('40 concurrent wrong guesses leave at most CODE_MAX_ATTEMPTS checked', async () => {
    const maxAttempts = server.app.config.codes.maxAttempts;
    const email = uniqueEmail();
    const code = await registerAndReadCode(server, email);
    const wrong = code === '000000' ? '000001' : '000000';
    const results = await Promise.all(Array.from({ length: 40 }, () => server.gql(VERIFY, { input: { email, code: wrong } })));
    const codes = results.map(errorCode);
    // A check that said INVALID_CODE or killed the code was a real check; the rest never ran.
    expect(codes.filter((c) => c === 'INVALID_CODE').length).toBeLessThanOrEqual(maxAttempts - 1);
    expect(codes.every((c) => ['INVALID_CODE', 'TOO_MANY_ATTEMPTS', 'RATE_LIMITED'].includes(c!))).toBe(true);
    const [row] = await server.app.orm.em
      .fork()
      .getConnection()
      .execute('select c.attempts from codes c join users u on u.id = c.user_id where u.email = ?', [email]);
    expect(row.attempts).toBe(maxAttempts);
    // The right code is dead too (or the address's hourly code budget is already spent).
    expect(['TOO_MANY_ATTEMPTS', 'RATE_LIMITED']).toContain(errorCode(await server.gql(VERIFY, { input: { email, code } })));
  });

  it('limits wrong codes per address even across fresh codes', async () => {
    const limited = await startTestServer({ RATE_LIMIT_CODE_FAILURES: '3' });
    try {
      const email = uniqueEmail();
      await registerAndReadCode(limited, email);
      const codes = [];
      for (let i = 0; i < 4; i++) codes.push(errorCode(await limited.gql(VERIFY, { input: { email, code: '000000' } })));
      expect(codes.slice(3)).toEqual(['RATE_LIMITED']);
    } finally {
      await limited.close();
    }
  });
});
