import { startTestServer, codeIn, errorCode, type TestServer } from '../support/server';
import {
  PASSWORD,
  REGISTER,
  REQUEST_RESET,
  RESEND,
  RESET,
  VERIFY,
  createVerifiedUser,
  registerAndReadCode,
  sendSentinelMail,
  uniqueEmail,
} from '../support/flows';

// Findings 9, 10 and 11: budgets that others cannot spend for the owner, answers that tell no
// account apart, and guessing that ends.
const servers: TestServer[] = [];
async function serverWith(env: Record<string, string>): Promise<TestServer> {
  const server = await startTestServer(env);
  servers.push(server);
  return server;
}
afterAll(() => Promise.all(servers.map((s) => s.close())));

describe('a mail budget spent without mail', () => {
  it('is never spent: calls that send nothing leave the owner their codes', async () => {
    const server = await serverWith({ CODE_RESEND_COOLDOWN: '0', RATE_LIMIT_MAIL_PER_HOUR: '3' });
    const newcomer = uniqueEmail('newcomer');
    // Anonymous calls on an address with no account send nothing...
    for (let i = 0; i < 3; i++) {
      expect((await server.gql(RESEND, { email: newcomer })).errors).toBeUndefined();
      expect((await server.gql(REQUEST_RESET, { email: newcomer })).data).toEqual({ requestPasswordReset: true });
    }
    // ...so its owner still gets the code when registering.
    await registerAndReadCode(server, newcomer);

    const owner = await createVerifiedUser(server);
    // Registering a taken address only notifies the owner, from a budget of its own.
    for (let i = 0; i < 4; i++) expect((await server.gql(REGISTER, { input: { email: owner.email, password: 'someone else 123' } })).errors).toBeUndefined();
    await server.gql(REQUEST_RESET, { email: owner.email });
    const reset = await server.smtp.waitFor((m) => m.to === owner.email && /reset/i.test(m.subject));
    expect(codeIn(reset)).toMatch(/^\d{6}$/);
    await sendSentinelMail(server);
    expect(server.smtp.messages.filter((m) => m.to === owner.email && /already registered/.test(m.subject + m.text))).toHaveLength(3);
  });
});

describe('side doors', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await serverWith({ CODE_RESEND_COOLDOWN: '60' });
  });

  it('a wrong reset code answers alike for a verified account and for an address with none', async () => {
    const owner = await createVerifiedUser(server);
    const nobody = uniqueEmail('nobody');
    const answers = async (email: string) => {
      await server.gql(REQUEST_RESET, { email });
      const seen = [];
      for (let i = 0; i < 6; i++) {
        const answer = await server.gql(RESET, { input: { email, code: '000000', newPassword: 'a brand new passphrase' } });
        seen.push([errorCode(answer), answer.errors?.[0]?.extensions?.attemptsLeft]);
      }
      return seen;
    };
    const real = await answers(owner.email);
    expect(real[0]).toEqual(['INVALID_CODE', 4]);
    expect(await answers(nobody)).toEqual(real);
  });

  it('a wrong verification code answers alike for a pending registration and for a taken address', async () => {
    const owner = await createVerifiedUser(server);
    const pending = uniqueEmail('pending');
    const answers = async (email: string) => {
      await server.gql(REGISTER, { input: { email, password: PASSWORD } });
      const seen = [];
      for (let i = 0; i < 6; i++) {
        const answer = await server.gql(VERIFY, { input: { email, code: '000000' } });
        seen.push([errorCode(answer), answer.errors?.[0]?.extensions?.attemptsLeft]);
      }
      return seen;
    };
    expect(await answers(owner.email)).toEqual(await answers(pending));
  });

  it('register then resend answers alike for a new address and a taken one: both are in their cooldown', async () => {
    const owner = await createVerifiedUser(server);
    const fresh = uniqueEmail('fresh');
    const after = async (email: string) => {
      await server.gql(REGISTER, { input: { email, password: PASSWORD } });
      const answer = await server.gql(RESEND, { email });
      return [errorCode(answer), Math.round(answer.errors?.[0]?.extensions?.retryAfter / 10)];
    };
    const taken = await after(owner.email);
    expect(taken[0]).toBe('RATE_LIMITED');
    expect(await after(fresh)).toEqual(taken);
  });
});

describe('code guessing', () => {
  it('ends: wrong codes per address, across fresh codes, start a backoff that doubles and is capped', async () => {
    const server = await serverWith({
      RATE_LIMIT_CODE_FAILURES: '3',
      RATE_LIMIT_CODE_WINDOW: '2',
      RATE_LIMIT_LOGIN_MAX_BACKOFF: '8',
      CODE_RESEND_COOLDOWN: '0',
    });
    const email = uniqueEmail('guessed');
    const lockout = async () => {
      for (let i = 0; i < 3; i++) {
        await server.gql(RESEND, { email });
        expect(errorCode(await server.gql(VERIFY, { input: { email, code: '000000' } }))).toMatch(/INVALID_CODE|TOO_MANY_ATTEMPTS/);
      }
      const limited = await server.gql(VERIFY, { input: { email, code: '000000' } });
      expect(errorCode(limited)).toBe('RATE_LIMITED');
      return limited.errors![0].extensions!.retryAfter as number;
    };
    await server.gql(REGISTER, { input: { email, password: PASSWORD } });
    expect(await lockout()).toBeLessThanOrEqual(2);
    await new Promise((resolve) => setTimeout(resolve, 2100));
    expect(await lockout()).toBeGreaterThan(2);
  }, 30_000);
});
