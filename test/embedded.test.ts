import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { createApp, type App } from '../src/app';
import { loadConfig } from '../src/config';
import { LOGIN, ME, PASSWORD, REGISTER, VERIFY, bearer, uniqueEmail, type TokenPayload } from './support/flows';
import { postGraphql, TEST_ENV } from './support/server';

/** What `npm ci && npm start` gives a new user: no DATABASE_URL, no SMTP_URL, nothing else. */
describe('embedded defaults', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'girok-embedded-'));
  let app: App | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  async function boot(): Promise<string> {
    app = await createApp(loadConfig({ ...TEST_ENV, DATA_DIR: dataDir }));
    expect(app.config.database.url).toBeNull();
    expect(app.config.mail.smtpUrl).toBeNull();
    return app.listen();
  }

  async function waitForMailFile(to: string): Promise<{ text: string }> {
    const dir = join(dataDir, 'mail');
    for (let i = 0; i < 100; i++) {
      for (const file of existsSync(dir) ? readdirSync(dir) : []) {
        const parsed = await simpleParser(readFileSync(join(dir, file)));
        const recipients = Array.isArray(parsed.to) ? parsed.to.map((a) => a.text).join() : parsed.to?.text;
        if (recipients === to) return { text: parsed.text ?? '' };
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`no .eml for ${to} under ${dir}`);
  }

  const email = uniqueEmail('embedded');

  it('runs the whole flow on PGlite with mail written as .eml files', async () => {
    const url = await boot();
    expect((await postGraphql(url, REGISTER, { input: { email, password: PASSWORD } })).errors).toBeUndefined();
    const mail = await waitForMailFile(email);
    const code = /\b(\d{6})\b/.exec(mail.text)![1];
    const verified = await postGraphql<{ verifyEmail: TokenPayload }>(url, VERIFY, { input: { email, code } });
    expect(verified.data?.verifyEmail.user.emailVerified).toBe(true);
    const me = await postGraphql<{ me: { email: string } }>(url, ME, {}, bearer(verified.data!.verifyEmail.accessToken));
    expect(me.data?.me.email).toBe(email);
    expect(existsSync(join(dataDir, 'secrets.json'))).toBe(true);
  });

  it('keeps accounts and secrets across a restart', async () => {
    const url = await boot();
    const login = await postGraphql<{ login: TokenPayload }>(url, LOGIN, { input: { email, password: PASSWORD } });
    expect(login.data?.login.user.email).toBe(email);
  });
});
