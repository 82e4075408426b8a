import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { waitUntil } from '../cluster/instances';

/** A test certificate authority and a server certificate it signed for localhost and 127.0.0.1. */
export interface TestPki {
  dir: string;
  /** The CA certificate file: what NODE_EXTRA_CA_CERTS names. */
  caFile: string;
  key: string;
  cert: string;
}

/** Makes a CA and a server certificate with the openssl command line, in a fresh directory. */
export function makeTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'girok-pki-'));
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(
    'req',
    '-x509',
    ...ec,
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '1',
    '-subj',
    '/CN=Girok test CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  );
  openssl('req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost');
  writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n');
  openssl(
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.pem',
    '-days',
    '1',
    '-extfile',
    'ext.cnf',
  );
  return { dir, caFile: join(dir, 'ca.pem'), key: readFileSync(join(dir, 'server.key'), 'utf8'), cert: readFileSync(join(dir, 'server.pem'), 'utf8') };
}

/** An oidc-provider client registration. */
export interface ProviderClient {
  client_id: string;
  client_secret: string;
  redirect_uris: string[];
}

/** The OpenID Provider process (test/federation/fixtures/provider.mjs) over https with the test certificate. */
export async function startProvider(pki: TestPki, clients: ProviderClient[]): Promise<{ issuer: string; stop(): Promise<void> }> {
  const child = spawn(process.execPath, [join(__dirname, 'fixtures/provider.mjs')], {
    env: {
      PATH: process.env.PATH ?? '',
      PROVIDER_CONFIG: JSON.stringify({
        key: pki.key,
        cert: pki.cert,
        clients: clients.map((c) => ({ ...c, grant_types: ['authorization_code'], response_types: ['code'] })),
      }),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const orphanGuard = () => child.kill('SIGKILL');
  process.once('exit', orphanGuard);
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const issuer = await waitUntil(
    () => /issuer: (\S+)/.exec(output)?.[1],
    20_000,
    () => `the provider did not start:\n${output}`,
  );
  return {
    issuer,
    async stop() {
      process.removeListener('exit', orphanGuard);
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** The app a flow returns to: any path answers a small page, so the browser rests there. */
export async function startReturnApp(): Promise<{ origin: string; close(): Promise<void> }> {
  const server: Server = createHttpServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>app</title><p>back in the app</p>');
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => new Promise((done) => server.close(() => done())),
  };
}

/** How the person behaves at the provider. */
export interface ProviderVisit {
  /** The development login: "verified:<email>" or "unverified:<email>"; null when the provider session is reused. */
  login: string | null;
  /** Clicks "Cancel" on the login page instead (the provider then answers error=access_denied). */
  cancel?: boolean;
}

/**
 * Drives one flow in a browser page, as a person would: opens the authorization URL (our start
 * route, which sends it on to the provider), signs in on the provider's login page, confirms its
 * consent page, and follows the redirects through our callback back to the app. Returns the app
 * URL the browser lands on and the callback URL it passed (to replay it).
 */
export async function visitProvider(page: Page, authorizationUrl: string, appOrigin: string, visit: ProviderVisit): Promise<{ landed: URL; callback: string }> {
  let callback = '';
  page.on('request', (request) => {
    if (request.url().includes('/oauth/callback/')) callback = request.url();
  });
  const settle = (action: Promise<unknown>) => Promise.all([page.waitForNavigation(), action]);
  await page.goto(authorizationUrl);
  for (let step = 0; step < 6; step++) {
    if (new URL(page.url()).origin === appOrigin) return { landed: new URL(page.url()), callback };
    if (await page.locator('input[name=login]').count()) {
      if (visit.cancel) {
        await settle(page.locator('a[href*="/abort"]').click());
        continue;
      }
      if (!visit.login) throw new Error('the provider asks for a login and the visit has none');
      await page.fill('input[name=login]', visit.login);
      await page.fill('input[name=password]', 'any password');
      await settle(page.click('button[type=submit]'));
      continue;
    }
    if (await page.locator('input[name=prompt][value=consent]').count()) {
      await settle(page.click('button[type=submit]'));
      continue;
    }
    await page.waitForLoadState();
  }
  throw new Error(`the flow did not return to the app; the browser is at ${page.url()}:\n${await page.content()}`);
}

/** A fresh browser context (no provider session) whose requests stay on loopback. */
export async function freshPage(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  // The provider's pages import a web font; nothing leaves the machine.
  await context.route(
    (url) => !['127.0.0.1', 'localhost'].includes(url.hostname),
    (route) => route.abort(),
  );
  return context.newPage();
}
