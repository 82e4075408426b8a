import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../src/config';

const dataDir = mkdtempSync(join(tmpdir(), 'girok-config-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
const base = { DATA_DIR: dataDir, PUBLIC_URL: 'https://auth.example.com/', OAUTH_REDIRECT_URLS: 'https://app.example.com/auth/callback' };
const ACME = { OIDC_ACME_ISSUER: 'https://id.acme.example', OIDC_ACME_CLIENT_ID: 'girok', OIDC_ACME_CLIENT_SECRET: 'secret' };

function failure(env: Record<string, string>): ConfigError {
  try {
    loadConfig({ DATA_DIR: dataDir, ...env });
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('loadConfig accepted a bad environment');
}

describe('sign-in provider settings', () => {
  it('reads OIDC providers, the Google and GitHub presets, the callback base and the redirect URLs', () => {
    const config = loadConfig({
      ...base,
      ...ACME,
      OIDC_ACME_NAME: 'Acme ID',
      OIDC_ACME_SCOPES: 'email profile',
      GOOGLE_CLIENT_ID: 'g-id',
      GOOGLE_CLIENT_SECRET: 'g-secret',
      GITHUB_CLIENT_ID: 'gh-id',
      GITHUB_CLIENT_SECRET: 'gh-secret',
    });
    expect(config.federation.callbackBase).toBe('https://auth.example.com');
    expect(config.federation.redirectUrls).toEqual(['https://app.example.com/auth/callback']);
    expect(config.federation.providers.map(({ id, name, kind, issuer, scopes }) => ({ id, name, kind, issuer, scopes }))).toEqual([
      { id: 'acme', name: 'Acme ID', kind: 'oidc', issuer: 'https://id.acme.example', scopes: ['openid', 'email', 'profile'] },
      { id: 'google', name: 'Google', kind: 'oidc', issuer: 'https://accounts.google.com', scopes: ['openid', 'email', 'profile'] },
      { id: 'github', name: 'GitHub', kind: 'github', issuer: null, scopes: ['user:email'] },
    ]);
  });

  it('has no providers and needs nothing by default', () => {
    expect(loadConfig({ DATA_DIR: dataDir }).federation.providers).toEqual([]);
  });

  it.each<[Record<string, string>, string]>([
    [{ ...ACME, OAUTH_REDIRECT_URLS: 'https://app.example.com/cb' }, 'PUBLIC_URL'],
    [{ ...ACME, PUBLIC_URL: 'https://auth.example.com' }, 'OAUTH_REDIRECT_URLS'],
    [{ ...base, ...ACME, OIDC_ACME_ISSUER: 'http://id.acme.example' }, 'OIDC_ACME_ISSUER'],
    [{ ...base, OIDC_ACME_CLIENT_ID: 'x', OIDC_ACME_CLIENT_SECRET: 'y' }, 'OIDC_ACME_ISSUER'],
    [{ ...base, ...ACME, OIDC_ACME_CLIENT_SECRET: '' }, 'OIDC_ACME_CLIENT_SECRET'],
    [{ ...base, GOOGLE_CLIENT_ID: 'g-id' }, 'GOOGLE_CLIENT_SECRET'],
    [{ ...base, GITHUB_CLIENT_SECRET: 'gh-secret' }, 'GITHUB_CLIENT_ID'],
    [{ ...base, ...ACME, OAUTH_REDIRECT_URLS: 'https://app.example.com/cb#frag' }, 'OAUTH_REDIRECT_URLS'],
    [{ ...base, ...ACME, OAUTH_REDIRECT_URLS: 'javascript:alert(1)' }, 'OAUTH_REDIRECT_URLS'],
    [
      {
        ...base,
        OIDC_GOOGLE_ISSUER: 'https://x.example',
        OIDC_GOOGLE_CLIENT_ID: 'a',
        OIDC_GOOGLE_CLIENT_SECRET: 'b',
        GOOGLE_CLIENT_ID: 'c',
        GOOGLE_CLIENT_SECRET: 'd',
      },
      'OIDC_GOOGLE_ISSUER',
    ],
  ])('refuses a missing or bad setting and names it (case %#)', (env, name) => {
    expect(failure(env).variable).toBe(name);
  });
});
