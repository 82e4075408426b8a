import { startTestServer, errorCode, type TestServer } from '../support/server';
import { PASSWORD, REGISTER, RESEND, sendSentinelMail, uniqueEmail } from '../support/flows';

// Finding 2: one mailbox, one spelling, one budget, one recipient.
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.close());

const register = (email: string) => server.gql(REGISTER, { input: { email, password: PASSWORD } });
const users = async (like: string) =>
  (await server.app.orm.em.fork().getConnection().execute<{ email: string }[]>('select email from users where email like ? order by email', [like])).map(
    (row) => row.email,
  );

describe('addresses are exactly one addr-spec', () => {
  const victim = 'victim@example.test';
  const smuggled: [string, string][] = [
    ['a display name', `Victim <${victim}>`],
    ['angle brackets alone', `<${victim}>`],
    ['a comment', `${victim}(work)`],
    ['a list', `${victim},attacker@example.test`],
    ['a group', `friends: ${victim};`],
    ['a semicolon list', `${victim};attacker@example.test`],
    ['a quoted local part', `"victim"@example.test`],
    ['an IP literal', 'victim@[192.0.2.1]'],
    ['two @', 'victim@attacker.test@example.test'],
    ['a local part over 64 characters', `${'v'.repeat(65)}@example.test`],
  ];
  it.each(smuggled)('refuses %s with BAD_USER_INPUT and sends nothing', async (_what, email) => {
    const response = await register(email);
    expect(errorCode(response)).toBe('BAD_USER_INPUT');
    expect(response.errors![0].extensions!.field).toBe('email');
    await sendSentinelMail(server);
    expect(server.smtp.messages.filter((m) => m.envelopeTo.some((to) => to.includes('victim')))).toEqual([]);
  });

  it('stores, budgets and sends to one spelling: case and IDN forms are one address', async () => {
    const local = uniqueEmail('ada').split('@')[0];
    expect((await register(`${local.toUpperCase()}@Bücher.Example`)).data?.register.email).toBe(`${local}@xn--bcher-kva.example`);
    // One recipient, that address (smtp-server shows the domain of RCPT TO in its U-label form).
    const mail = await server.smtp.waitFor((m) => m.envelopeTo.includes(`${local}@bücher.example`));
    expect(mail.envelopeTo).toEqual([`${local}@bücher.example`]);
    // The same mailbox spelled otherwise is the same pending account, not a second one.
    expect((await register(`${local}@xn--BCHER-kva.example`)).errors).toBeUndefined();
    expect(await users(`${local}@%`)).toEqual([`${local}@xn--bcher-kva.example`]);
  });

  it('gives every spelling of an address one mail budget and one cooldown', async () => {
    const local = uniqueEmail('budget').split('@')[0];
    const spellings = [`${local}@example.test`, `${local.toUpperCase()}@EXAMPLE.test`, ` ${local}@Example.Test `, `${local}@example.TEST`];
    const answers = [];
    for (const email of spellings) answers.push(errorCode(await register(email)) ?? 'ok');
    for (const email of spellings) answers.push(errorCode(await server.gql(RESEND, { email })) ?? 'ok');
    // Every spelling is inside the one address's resend cooldown.
    expect(answers).toEqual([...Array(4).fill('ok'), ...Array(4).fill('RATE_LIMITED')]);
    // 3 code mails an hour per address (RATE_LIMIT_MAIL_PER_HOUR); spellings do not add up to more.
    await sendSentinelMail(server);
    expect(server.smtp.messages.filter((m) => m.to === `${local}@example.test`)).toHaveLength(3);
  });
});
