import { isCommonPassword } from '../../src/auth/common-passwords';
import { dictionary } from '@zxcvbn-ts/language-common';
import { startTestServer, errorCode, type TestServer } from '../support/server';
import { REGISTER, uniqueEmail } from '../support/flows';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.close());

const users = (email: string) => server.app.orm.em.fork().getConnection().execute('select count(*)::int as n from users where email = ?', [email]);

async function refusal(password: string, email = uniqueEmail()) {
  const response = await server.gql(REGISTER, { input: { email, password } });
  expect(errorCode(response)).toBe('BAD_USER_INPUT');
  expect(await users(email)).toEqual([{ n: 0 }]);
  const { field, reason } = response.errors![0].extensions!;
  return { field, reason, message: response.errors![0].message };
}

describe('password policy', () => {
  it('ships at least the top 3,000 common passwords', () => {
    const list = dictionary['passwords-common'];
    expect(list.length).toBeGreaterThanOrEqual(3000);
    expect(list.slice(0, 3000).every((password) => isCommonPassword(password))).toBe(true);
  });

  it.each(['password', 'iloveyou1', 'Password1', 'QWERTYUIOP', 'baseball'])('refuses the common password %s with a reason', async (password) => {
    expect(await refusal(password)).toMatchObject({ field: 'password', reason: 'TOO_COMMON', message: expect.stringMatching(/too common/) });
  });

  it('refuses a password equal to the email or its local part', async () => {
    const email = uniqueEmail('someone');
    expect(await refusal(email, email)).toMatchObject({ field: 'password', reason: 'MATCHES_EMAIL' });
    expect(await refusal(email.split('@')[0].toUpperCase(), email)).toMatchObject({ field: 'password', reason: 'MATCHES_EMAIL' });
  });

  it('counts code points: 7 emoji are too short, 8 are enough, 129 characters are too long', async () => {
    expect(await refusal('🔑'.repeat(7))).toMatchObject({ field: 'password', reason: 'TOO_SHORT' });
    expect(await refusal('x'.repeat(129))).toMatchObject({ field: 'password', reason: 'TOO_LONG' });
    const ok = await server.gql(REGISTER, { input: { email: uniqueEmail(), password: '🔑'.repeat(8) } });
    expect(ok.errors).toBeUndefined();
    const longest = await server.gql(REGISTER, { input: { email: uniqueEmail(), password: '가'.repeat(128) } });
    expect(longest.errors).toBeUndefined();
  });

  it('has no composition rules: a long lowercase passphrase is fine', async () => {
    expect((await server.gql(REGISTER, { input: { email: uniqueEmail(), password: 'purple monkey dishwasher' } })).errors).toBeUndefined();
  });
});
