import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { launchChromiumWithProfile } from '../support/chromium';
import { freePort } from '../support/ports';
import { serveExample, type ExampleServer } from '../../scripts/example';
import { codeIn, startTestServer, type TestServer } from '../support/server';
import { PASSWORD, uniqueEmail } from '../support/flows';
import { describeWith } from '../support/requirements';

describeWith(['chromium'], 'the example app in Chromium (cookie mode)', () => {
  let server: TestServer;
  let app: ExampleServer;
  let browser: BrowserContext;
  let profile: string;
  /** Bodies of the refreshToken calls the pages made. */
  const refreshes: string[] = [];

  beforeAll(async () => {
    const port = await freePort();
    server = await startTestServer({ CORS_ORIGINS: `http://127.0.0.1:${port}` });
    app = await serveExample({ apiUrl: server.url, port, host: '127.0.0.1' });
    profile = mkdtempSync(join(tmpdir(), 'girok-chromium-'));
    browser = await launchChromiumWithProfile(profile);
    browser.on('request', (request) => {
      const body = request.postData();
      if (request.url() === server.url && body?.includes('CookieRefresh')) refreshes.push(body);
    });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await server?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  async function open(): Promise<Page> {
    const page = await browser.newPage();
    page.on('pageerror', (error) => {
      throw error;
    });
    await page.goto(app.origin);
    return page;
  }

  const email = uniqueEmail('spa');
  let first: Page;
  let second: Page;

  it('registers, takes the mailed code and shows `me`', async () => {
    first = await open();
    await expectStatus(first, 'Signed out.');
    await first.fill('#register-form [name=email]', email);
    await first.fill('#register-form [name=password]', PASSWORD);
    await first.click('#register-form button');
    await expectStatus(first, 'Code sent.');
    const mail = await server.smtp.waitFor((m) => m.to === email);
    await first.fill('#verify-form [name=code]', codeIn(mail));
    await first.click('#verify-form button');
    await expectStatus(first, 'Signed in.');
    expect(await first.textContent('#me-email')).toBe(email);
  });

  it('keeps the refresh token in an HttpOnly cookie that script cannot read', async () => {
    const cookies = await browser.cookies(server.url);
    const refresh = cookies.find((cookie) => cookie.name === '__Host-girok_refresh');
    expect(refresh).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Strict', path: '/' });
    expect(refresh!.value.length).toBeGreaterThan(40);
    // Every cookie the page can see, on its own origin and on the server's.
    expect(await first.evaluate(readCookies)).not.toContain(refresh!.value);
    const apiPage = await browser.newPage();
    await apiPage.goto(`${new URL(server.url).origin}/healthz`);
    expect(await apiPage.evaluate(readCookies)).not.toContain('girok_refresh');
    await apiPage.close();
  });

  it('stays signed in across a reload through a silent refresh', async () => {
    const before = refreshes.length;
    await first.reload();
    await expectStatus(first, 'Signed in.');
    expect(await first.textContent('#me-email')).toBe(email);
    expect(refreshes.length).toBe(before + 1);
  });

  it('keeps the session when two tabs refresh at once', async () => {
    second = await open();
    await expectStatus(second, 'Signed in.');
    await Promise.all([first.click('#refresh'), second.click('#refresh')]);
    for (const page of [first, second]) {
      await expectStatus(page, 'Signed in.');
      await page.click('#reload-me');
      await expectStatus(page, 'Signed in.');
      expect(await page.textContent('#me-email')).toBe(email);
    }
    // Neither refresh was taken for reuse: a third tab still resumes the session.
    const third = await open();
    await expectStatus(third, 'Signed in.');
    await third.close();
  });

  it('logs out in one tab, and the other tab finds out at its next refresh', async () => {
    await first.click('#logout');
    await expectStatus(first, 'Signed out.');
    expect((await browser.cookies(server.url)).some((cookie) => cookie.name === '__Host-girok_refresh')).toBe(false);

    expect(await second.isVisible('#home')).toBe(true);
    await second.click('#refresh');
    await expectStatus(second, 'Your session has ended; sign in again.');
  });

  it('signs in again with email and password, in cookie mode', async () => {
    await first.fill('#login-form [name=email]', email);
    await first.fill('#login-form [name=password]', PASSWORD);
    await first.click('#login-form button[type=submit]');
    await expectStatus(first, 'Signed in.');
    expect((await browser.cookies(server.url)).some((cookie) => cookie.name === '__Host-girok_refresh' && cookie.httpOnly)).toBe(true);
  });
});

/** Runs in the page: what its script sees of cookies (the test's tsconfig has no DOM types). */
const readCookies = (): string => (globalThis as unknown as { document: { cookie: string } }).document.cookie;

async function expectStatus(page: Page, text: string): Promise<void> {
  await page.locator('#status').filter({ hasText: text }).waitFor({ timeout: 15_000 });
}
