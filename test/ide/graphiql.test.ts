import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { launchChromiumWithProfile } from '../support/chromium';
import { buildIdeAssets } from '../../scripts/build-ide';
import { fetchAll, startTestServer, type TestServer } from '../support/server';
import { createVerifiedUser } from '../support/flows';
import { describeWith } from '../support/requirements';

const ROOT = resolve(__dirname, '../..');
let server: TestServer;
let origin: string;
beforeAll(async () => {
  await buildIdeAssets();
  server = await startTestServer({ GRAPHQL_IDE: 'true' });
  origin = new URL(server.url).origin;
}, 120_000);
afterAll(() => server?.close());

describe('GET /graphql', () => {
  it('serves the GraphiQL page to a browser, with a CSP that allows only this origin', async () => {
    const response = await fetch(`${origin}/graphql`, { headers: { accept: 'text/html,application/xhtml+xml' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = response.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    const html = await response.text();
    expect(html).toContain('/graphql/ide/graphiql.js');
    expect(html).not.toMatch(/https?:\/\//);
  });

  it('answers a non-browser GET with 405 and keeps POST as the API', async () => {
    const response = await fetch(`${origin}/graphql`, { headers: { accept: 'application/json' } });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
    expect((await server.gql('{ __typename }')).data).toEqual({ __typename: 'Query' });
  });

  it('serves only the bundled assets', async () => {
    const script = await fetchAll(`${origin}/graphql/ide/graphiql.js`);
    expect(script.status).toBe(200);
    expect(script.body.length).toBeGreaterThan(100_000);
    expect((await fetchAll(`${origin}/graphql/ide/graphiql.css`)).headers.get('content-type')).toMatch(/^text\/css/);
    expect((await fetchAll(`${origin}/graphql/ide/fingerprint`)).status).toBe(404);
    expect((await fetchAll(`${origin}/graphql/ide/..%2F..%2Fpackage.json`)).status).toBe(404);
  });

  it('is not served when GRAPHQL_IDE=false (the production default)', async () => {
    const off = await startTestServer({ GRAPHQL_IDE: 'false' });
    try {
      const response = await fetch(off.url, { headers: { accept: 'text/html' } });
      expect(response.status).toBe(404);
      expect((await fetchAll(`${new URL(off.url).origin}/graphql/ide/graphiql.js`)).status).toBe(404);
    } finally {
      await off.close();
    }
  });
});

describeWith(['chromium'], 'GraphiQL in Chromium', () => {
  let browser: BrowserContext;
  let profile: string;
  beforeAll(async () => {
    // A fresh profile each run; launchPersistentContext passes it as --user-data-dir.
    profile = mkdtempSync(join(tmpdir(), 'girok-chromium-'));
    browser = await launchChromiumWithProfile(profile, { viewport: { width: 1400, height: 860 } });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    rmSync(profile, { recursive: true, force: true });
  });

  /** Opens the IDE and collects everything that would show a broken offline/CSP setup. */
  async function openIde() {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page: ${error.message}`));
    page.on('request', (request) => {
      if (!request.url().startsWith(origin) && !request.url().startsWith('data:')) problems.push(`external request: ${request.url()}`);
    });
    await page.goto(`${origin}/graphql`);
    await page.locator('.graphiql-query-editor .CodeMirror').waitFor({ timeout: 30_000 });
    return { page, problems };
  }

  type Page = Awaited<ReturnType<typeof openIde>>['page'];

  /** Replaces an editor's text the way a paste would. */
  async function fill(page: Page, editor: string, text: string): Promise<void> {
    await page.locator(`${editor} .CodeMirror`).click();
    await page.keyboard.press('Control+A');
    await page.keyboard.insertText(text);
  }

  async function run(page: Page, query: string): Promise<string> {
    await fill(page, '.graphiql-query-editor', query);
    // GraphiQL re-reads the operation names shortly after an edit.
    await page.waitForTimeout(500);
    await page.locator('.graphiql-execute-button').click();
    const result = page.locator('.result-window .CodeMirror-code');
    await result.filter({ hasText: '"data"' }).waitFor({ timeout: 30_000 });
    return result.innerText();
  }

  it('runs { __typename } and shows the result, with no external request or CSP error', async () => {
    const { page, problems } = await openIde();
    const result = await run(page, '{ __typename }');
    expect(result).toContain('"__typename": "Query"');
    expect(problems).toEqual([]);
    await page.close();
  }, 90_000);

  it('sends the Authorization header from the header editor', async () => {
    const { email, token } = await createVerifiedUser(server);
    const { page, problems } = await openIde();
    await fill(page, '.graphiql-editor-tool .graphiql-editor:not(.hidden)', JSON.stringify({ Authorization: `Bearer ${token.accessToken}` }, null, 2));
    const result = await run(page, 'query Me { me { email } }');
    expect(result).toContain(email);
    // The README's screenshot; refreshed only on request so test runs leave the tree clean.
    const screenshot = join(ROOT, 'docs/graphiql.png');
    if (process.env.UPDATE_SCREENSHOT === '1' || !existsSync(screenshot)) {
      mkdirSync(join(ROOT, 'docs'), { recursive: true });
      await page.screenshot({ path: screenshot });
    }
    expect(problems).toEqual([]);
    await page.close();
  }, 90_000);
});
