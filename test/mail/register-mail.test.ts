import { REGISTER, PASSWORD, uniqueEmail } from '../support/flows';
import { startTestServer, type TestServer } from '../support/server';
import { startSmtpCapture } from '../support/smtp';
import { createMailDatabase } from './support';

const REGISTER_IN = `mutation Register($input: RegisterInput!, $locale: Locale) {
  register(input: $input, locale: $locale) { email }
}`;

let database: { url: string; drop(): Promise<void> };
let server: TestServer;

beforeAll(async () => {
  database = await createMailDatabase();
  server = await startTestServer({}, database);
});

afterAll(async () => {
  await server.close();
  await database.drop();
});

describe('register mail', () => {
  it('arrives in Korean with both parts when asked for ko', async () => {
    const email = uniqueEmail('ko');
    const response = await server.gql(REGISTER_IN, { input: { email, password: PASSWORD }, locale: 'ko' });
    expect(response.errors).toBeUndefined();
    const mail = await server.smtp.waitFor((m) => m.to === email);
    expect(mail.subject).toBe('Girok 인증 코드');
    const code = /\b(\d{6})\b/.exec(mail.text)?.[1];
    expect(code).toBeDefined();
    expect(mail.html).toContain(code);
    expect(mail.text).toMatch(/\d+분 후에 만료/);
    expect(mail.html).toMatch(/\d+분 후에 만료/);
  });

  it('follows Accept-Language without a locale argument, and English otherwise', async () => {
    const korean = uniqueEmail('accept');
    await server.gql(REGISTER, { input: { email: korean, password: PASSWORD } }, { 'accept-language': 'ko-KR,ko;q=0.9,en;q=0.5' });
    expect((await server.smtp.waitFor((m) => m.to === korean)).subject).toBe('Girok 인증 코드');

    const english = uniqueEmail('default');
    await server.gql(REGISTER, { input: { email: english, password: PASSWORD } });
    const mail = await server.smtp.waitFor((m) => m.to === english);
    expect(mail.subject).toBe('Your Girok verification code');
    expect(mail.text).toMatch(/expires in \d+ minutes/);
  });

  it('succeeds while the SMTP server refuses; the code arrives once it accepts again', async () => {
    server.smtp.setRefusing(true);
    try {
      const email = uniqueEmail('refused');
      const response = await server.gql(REGISTER, { input: { email, password: PASSWORD } });
      expect(response.errors).toBeUndefined();
      expect(response.data?.register.email).toBe(email);
      // Tried and refused at least once, and so not delivered.
      await waitForRefusedTry(email);
      expect(server.smtp.messages.some((m) => m.to === email)).toBe(false);
      server.smtp.setRefusing(false);
      const mail = await server.smtp.waitFor((m) => m.to === email, 20_000);
      expect(mail.text).toMatch(/\b\d{6}\b/);
    } finally {
      server.smtp.setRefusing(false);
    }
  });

  it('succeeds while the SMTP server is down; the code arrives once it is back', async () => {
    const port = server.smtp.port;
    await server.smtp.close();
    const email = uniqueEmail('down');
    const response = await server.gql(REGISTER, { input: { email, password: PASSWORD } });
    expect(response.errors).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const back = await startSmtpCapture({ port });
    try {
      const mail = await back.waitFor((m) => m.to === email, 20_000);
      expect(mail.text).toMatch(/\b\d{6}\b/);
    } finally {
      await back.close();
    }
  });
});

/** Resolves once the outbox row for `to` has been tried and is still pending. */
async function waitForRefusedTry(to: string): Promise<void> {
  for (const deadline = Date.now() + 10_000; Date.now() < deadline;) {
    const [row] = await server.app.orm.em.fork().getConnection().execute(`select attempts, status from mail_outbox where recipient = ?`, [to]);
    if (row && row.attempts >= 1 && row.status === 'pending') return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`the mail to ${to} was never tried`);
}
