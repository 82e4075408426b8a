import { startTestServer, errorCode, type TestServer } from '../support/server';
import { LOGIN, PASSWORD, REGISTER, RESEND, VERIFY, sendSentinelMail, uniqueEmail } from '../support/flows';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.close());

const count = async (table: string) => {
  const [row] = await server.app.orm.em.fork().getConnection().execute(`select count(*)::int as n from ${table}`);
  return row.n as number;
};

/** Runs `act` and asserts it wrote no user, code or mail row and sent no mail (the sentinel's own aside). */
async function leavesNoTrace(act: () => Promise<void>) {
  const before = { users: await count('users'), codes: await count('codes'), outbox: await count('mail_outbox'), mails: server.smtp.messages.length };
  await act();
  await sendSentinelMail(server);
  const sentinel = { users: 1, codes: 1, outbox: 1, mails: 1 };
  expect({ users: await count('users'), codes: await count('codes'), outbox: await count('mail_outbox'), mails: server.smtp.messages.length }).toEqual({
    users: before.users + sentinel.users,
    codes: before.codes + sentinel.codes,
    outbox: before.outbox + sentinel.outbox,
    mails: before.mails + sentinel.mails,
  });
}

const hostileEmails: [string, string][] = [
  ['CRLF header injection', `victim@example.test\r\nBcc: attacker@example.test`],
  ['a bare LF', `victim@example.test\nBcc: attacker@example.test`],
  ['a bare CR', `victim@example.test\rX: y`],
  ['NUL', `victim@example.test\u0000.evil`],
  ['255 characters', `${'a'.repeat(242)}@example.test`],
  ['a huge value', `${'a'.repeat(40_000)}@example.test`],
];

describe('hostile email addresses', () => {
  it.each(hostileEmails)('register refuses %s with BAD_USER_INPUT, no row and no mail', async (_, email) => {
    await leavesNoTrace(async () => {
      const response = await server.gql(REGISTER, { input: { email, password: PASSWORD } });
      expect(errorCode(response)).toBe('BAD_USER_INPUT');
      expect(response.errors![0].extensions!.field).toBe('email');
    });
  });

  it.each(hostileEmails)('resend, verify and login refuse %s the same way', async (_, email) => {
    await leavesNoTrace(async () => {
      for (const [query, variables] of [
        [RESEND, { email }],
        [VERIFY, { input: { email, code: '123456' } }],
        [LOGIN, { input: { email, password: PASSWORD } }],
      ] as const) {
        const response = await server.gql(query, variables);
        expect(errorCode(response)).toBe('BAD_USER_INPUT');
        expect(response.errors![0].extensions!.field).toBe('email');
      }
    });
  });

  it('accepts an address of exactly 254 characters', async () => {
    // RFC 5321: a local part of at most 64 octets, an address of at most 254.
    const email = `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(56)}.test`;
    expect(email).toHaveLength(254);
    expect((await server.gql(REGISTER, { input: { email, password: PASSWORD } })).errors).toBeUndefined();
  });
});

describe('non-string variables', () => {
  it.each([
    ['a number', 42],
    ['a boolean', true],
    ['an object', { $ne: null }],
    ['a list', ['a@example.test', 'b@example.test']],
    ['null', null],
  ])('refuses %s as the email before any resolver runs', async (_, email) => {
    await leavesNoTrace(async () => {
      const response = await server.gql(REGISTER, { input: { email, password: PASSWORD } });
      expect(errorCode(response)).toBe('BAD_USER_INPUT');
      expect(response.data).toBeUndefined();
    });
  });

  it('refuses a variable of the wrong shape for the whole input', async () => {
    const response = await server.gql(REGISTER, { input: 'a@example.test' });
    expect(errorCode(response)).toBe('BAD_USER_INPUT');
  });

  it('refuses extra fields smuggled into an input', async () => {
    const response = await server.gql(REGISTER, { input: { email: uniqueEmail(), password: PASSWORD, emailVerified: true } });
    expect(errorCode(response)).toBe('BAD_USER_INPUT');
  });
});
