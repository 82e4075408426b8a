import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { BrowserContext, CDPSession, Page } from 'playwright-core';
import { launchChromiumWithProfile } from '../support/chromium';
import { TOKEN_FIELDS } from '../support/flows';

const ROOT = resolve(__dirname, '../..');

export const START_REGISTRATION = `mutation { startPasskeyRegistration }`;
export const FINISH_REGISTRATION = `mutation Finish($response: JSON!, $name: String) {
  finishPasskeyRegistration(response: $response, name: $name) { id name createdAt lastUsedAt backedUp }
}`;
export const START_LOGIN = `mutation Start($email: String, $mfaToken: String) { startPasskeyLogin(email: $email, mfaToken: $mfaToken) { challengeId options } }`;
export const FINISH_LOGIN = `mutation Finish($challengeId: ID!, $response: JSON!) { finishPasskeyLogin(challengeId: $challengeId, response: $response) { ${TOKEN_FIELDS} } }`;
export const DELETE_PASSKEY = `mutation Delete($id: ID!) { deletePasskey(id: $id) }`;
export const MY_PASSKEYS = `query { me { passkeys { id name createdAt lastUsedAt backedUp } mfa { totp passkeys } } }`;

/** @simplewebauthn/browser as one script that defines `SimpleWebAuthnBrowser`, as a frontend would bundle it. */
async function browserLibrary(): Promise<string> {
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    stdin: { contents: `export { startRegistration, startAuthentication } from '@simplewebauthn/browser';`, resolveDir: ROOT, loader: 'ts' },
    bundle: true,
    write: false,
    format: 'iife',
    globalName: 'SimpleWebAuthnBrowser',
    platform: 'browser',
    target: ['es2022'],
    logLevel: 'warning',
  });
  // An init script runs in a function of its own: the global is set on purpose.
  return `${result.outputFiles[0].text}\nglobalThis.SimpleWebAuthnBrowser = SimpleWebAuthnBrowser;`;
}

/** Options of a virtual authenticator (CDP `WebAuthn.addVirtualAuthenticator`). */
export interface AuthenticatorOptions {
  hasUserVerification: boolean;
  isUserVerified: boolean;
}

/**
 * Chromium with a CDP virtual authenticator (a platform authenticator with resident keys),
 * and one tab on a page of an origin of our choosing, where the WebAuthn calls run through
 * @simplewebauthn/browser as a frontend would make them.
 */
export class PasskeyBrowser {
  private authenticatorId: string | null = null;

  private constructor(
    private readonly context: BrowserContext,
    private readonly profile: string,
    readonly page: Page,
    private readonly cdp: CDPSession,
  ) {}

  static async launch(): Promise<PasskeyBrowser> {
    const profile = mkdtempSync(join(tmpdir(), 'girok-passkeys-'));
    const context = await launchChromiumWithProfile(profile);
    await context.addInitScript(await browserLibrary());
    const page = context.pages()[0] ?? (await context.newPage());
    const cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable', { enableUI: false });
    return new PasskeyBrowser(context, profile, page, cdp);
  }

  /** Replaces the authenticator (and so every passkey it held) with a new one. */
  async useAuthenticator(options: AuthenticatorOptions = { hasUserVerification: true, isUserVerified: true }): Promise<void> {
    if (this.authenticatorId) await this.cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: this.authenticatorId });
    const { authenticatorId } = await this.cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, automaticPresenceSimulation: true, ...options },
    });
    this.authenticatorId = authenticatorId;
  }

  /** Opens a page of `origin` (any path answers), where the next ceremonies run. */
  async open(url: string): Promise<void> {
    await this.page.goto(url);
  }

  /** `navigator.credentials.create()` with the server's creation options; the credential's JSON. */
  async create(optionsJSON: unknown): Promise<Record<string, any>> {
    return this.page.evaluate(
      (options) => (globalThis as any).SimpleWebAuthnBrowser.startRegistration({ optionsJSON: options }),
      optionsJSON as Record<string, unknown>,
    );
  }

  /** `navigator.credentials.get()` with the server's request options; the assertion's JSON. */
  async get(optionsJSON: unknown): Promise<Record<string, any>> {
    return this.page.evaluate(
      (options) => (globalThis as any).SimpleWebAuthnBrowser.startAuthentication({ optionsJSON: options }),
      optionsJSON as Record<string, unknown>,
    );
  }

  async close(): Promise<void> {
    await this.context.close();
    rmSync(this.profile, { recursive: true, force: true });
  }
}

/** A page of another origin (another port of localhost: the same RP ID, an origin not in WEBAUTHN_ORIGINS). */
export async function serveBlankPage(port: number): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<!doctype html><title>elsewhere</title>');
  });
  await new Promise<void>((done) => server.listen(port, '127.0.0.1', done));
  return {
    url: `http://localhost:${port}/`,
    close: () => {
      server.closeAllConnections();
      return new Promise((done) => server.close(() => done()));
    },
  };
}
