import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { launchChromiumWithProfile } from '../support/chromium';
import { serveExample, type ExampleServer } from '../../scripts/example';
import { codeIn, startTestServer, type TestServer } from '../support/server';
import { PASSWORD, uniqueEmail } from '../support/flows';
import { describeWith } from '../support/requirements';
import { freePort } from '../support/ports';

// Passkeys are bound to a domain (WEBAUTHN_RP_ID), never an IP address: the app is served on localhost.
describeWith(['chromium'], 'the example app signs in with a passkey (Chromium, virtual authenticator)', () => {
  let server: TestServer;
  let app: ExampleServer;
  let browser: BrowserContext;
  let profile: string;
  let page: Page;

  beforeAll(async () => {
    const port = await freePort();
    const appOrigin = `http://localhost:${port}`;
    server = await startTestServer({ CORS_ORIGINS: appOrigin, WEBAUTHN_ORIGINS: appOrigin, WEBAUTHN_RP_ID: 'localhost' });
    // The API on localhost too, so the app and the API are one site for the refresh cookie.
    app = await serveExample({ apiUrl: server.url.replace('127.0.0.1', 'localhost'), port, host: 'localhost' });
    profile = mkdtempSync(join(tmpdir(), 'girok-chromium-'));
    browser = await launchChromiumWithProfile(profile);
    page = await browser.newPage();
    page.on('pageerror', (error) => {
      throw error;
    });
    // A platform authenticator with resident keys and user verification, as a laptop's.
    const cdp = await browser.newCDPSession(page);
    await cdp.send('WebAuthn.enable', { enableUI: false });
    await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: 'internal',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    });
    await page.goto(app.origin);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await server?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  const email = uniqueEmail('spa-passkey');

  it('adds a passkey to the signed-in account', async () => {
    await expectStatus(page, 'Signed out.');
    await page.fill('#register-form [name=email]', email);
    await page.fill('#register-form [name=password]', PASSWORD);
    await page.click('#register-form button');
    await expectStatus(page, 'Code sent.');
    await page.fill('#verify-form [name=code]', codeIn(await server.smtp.waitFor((m) => m.to === email)));
    await page.click('#verify-form button');
    await expectStatus(page, 'Signed in.');
    await page.click('#add-passkey');
    await expectStatus(page, 'Passkey added.');
  });

  it('signs in with the passkey alone, no email typed', async () => {
    await page.click('#logout');
    await expectStatus(page, 'Signed out.');
    await page.click('#passkey-signin');
    await expectStatus(page, 'Signed in.');
    expect(await page.textContent('#me-email')).toBe(email);
  });

  it('asks for the passkey after the password, and signs in', async () => {
    await page.click('#logout');
    await expectStatus(page, 'Signed out.');
    await page.fill('#login-form [name=email]', email);
    await page.fill('#login-form [name=password]', PASSWORD);
    await page.click('#login-form button[type=submit]');
    await expectStatus(page, 'Signed in.');
    expect(await page.textContent('#me-email')).toBe(email);
  });
});

async function expectStatus(page: Page, text: string): Promise<void> {
  await page.locator('#status').filter({ hasText: text }).waitFor({ timeout: 15_000 });
}
