import type { FederationConfig, FederationProviderConfig } from './config';
import { ConfigError } from './errors';

type Env = Record<string, string | undefined>;

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
const OIDC_KEY = /^OIDC_([A-Za-z0-9]+)_(ISSUER|CLIENT_ID|CLIENT_SECRET|NAME|SCOPES)$/;
const SCOPE = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/**
 * The sign-in providers: every `OIDC_<ID>_ISSUER` with its client, the Google preset, GitHub;
 * with PUBLIC_URL (where the callbacks live) and OAUTH_REDIRECT_URLS (where a flow may return),
 * both required as soon as one provider is configured.
 */
export function readFederation(env: Env, production: boolean): FederationConfig {
  const value = (name: string): string | null => env[name]?.trim() || null;
  const providers: FederationProviderConfig[] = [];

  const ids = new Set<string>();
  for (const key of Object.keys(env)) {
    const match = OIDC_KEY.exec(key);
    if (match && value(key) !== null) ids.add(match[1]);
  }
  for (const id of [...ids].sort()) {
    const prefix = `OIDC_${id}`;
    const issuer = value(`${prefix}_ISSUER`);
    if (!issuer) throw new ConfigError(`${prefix}_ISSUER`, `is required when other ${prefix}_* settings are set`);
    providers.push({
      id: id.toLowerCase(),
      name: value(`${prefix}_NAME`) ?? id,
      kind: 'oidc',
      issuer: httpsIssuer(`${prefix}_ISSUER`, issuer),
      ...client(value, `${prefix}_CLIENT_ID`, `${prefix}_CLIENT_SECRET`),
      scopes: scopes(`${prefix}_SCOPES`, value(`${prefix}_SCOPES`)),
    });
  }
  if (value('GOOGLE_CLIENT_ID') || value('GOOGLE_CLIENT_SECRET')) {
    providers.push({
      id: 'google',
      name: 'Google',
      kind: 'oidc',
      issuer: 'https://accounts.google.com',
      ...client(value, 'GOOGLE_CLIENT_ID', 'GOOGLE_CLIENT_SECRET'),
      scopes: ['openid', 'email', 'profile'],
    });
  }
  if (value('GITHUB_CLIENT_ID') || value('GITHUB_CLIENT_SECRET')) {
    // user:email lets the emails API say which address is primary and verified.
    providers.push({
      id: 'github',
      name: 'GitHub',
      kind: 'github',
      issuer: null,
      ...client(value, 'GITHUB_CLIENT_ID', 'GITHUB_CLIENT_SECRET'),
      scopes: ['user:email'],
    });
  }
  const seen = new Set<string>();
  for (const provider of providers) {
    if (seen.has(provider.id))
      throw new ConfigError(`OIDC_${provider.id.toUpperCase()}_ISSUER`, `names the provider "${provider.id}" a second time (a preset has that id)`);
    seen.add(provider.id);
  }

  const publicUrl = value('PUBLIC_URL');
  const redirects = (value('OAUTH_REDIRECT_URLS') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (providers.length === 0) return { providers, callbackBase: null, redirectUrls: redirects.map((raw) => redirectUrl(raw, production)) };
  if (!publicUrl) throw new ConfigError('PUBLIC_URL', 'is required with sign-in providers: their callback is PUBLIC_URL/oauth/callback/<id>');
  const base = new URL(publicUrl);
  if (production && base.protocol !== 'https:' && !LOOPBACK_HOSTS.has(base.hostname)) {
    throw new ConfigError('PUBLIC_URL', 'must be https in production with sign-in providers (the callback carries the authorization code)');
  }
  if (redirects.length === 0) throw new ConfigError('OAUTH_REDIRECT_URLS', 'is required with sign-in providers: the app URLs a sign-in may return to');
  return {
    providers,
    callbackBase: `${base.origin}${base.pathname.replace(/\/+$/, '')}`,
    redirectUrls: redirects.map((raw) => redirectUrl(raw, production)),
  };
}

function client(value: (name: string) => string | null, idName: string, secretName: string): { clientId: string; clientSecret: string } {
  const clientId = value(idName);
  const clientSecret = value(secretName);
  if (!clientId) throw new ConfigError(idName, `is required with ${secretName}`);
  if (!clientSecret) throw new ConfigError(secretName, `is required with ${idName}`);
  return { clientId, clientSecret };
}

function httpsIssuer(name: string, raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(name, `must be an https URL, got "${raw}"`);
  }
  if (url.protocol !== 'https:' || url.search || url.hash) throw new ConfigError(name, `must be an https URL with no query or fragment, got "${raw}"`);
  return raw;
}

function scopes(name: string, raw: string | null): string[] {
  if (raw === null) return ['openid', 'email', 'profile'];
  const list = raw.split(/[\s,]+/).filter(Boolean);
  if (!list.every((scope) => SCOPE.test(scope))) throw new ConfigError(name, `must be scope names separated by spaces, got "${raw}"`);
  return list.includes('openid') ? list : ['openid', ...list];
}

/** One OAUTH_REDIRECT_URLS entry: an absolute http(s) URL without credentials or fragment. */
function redirectUrl(raw: string, production: boolean): string {
  let url: URL | null = null;
  try {
    url = new URL(raw);
  } catch {
    // reported below
  }
  if (!url || !['http:', 'https:'].includes(url.protocol) || url.username || url.password || url.hash) {
    throw new ConfigError('OAUTH_REDIRECT_URLS', `must list absolute http(s) URLs without credentials or fragment, got "${raw}"`);
  }
  if (production && url.protocol === 'http:' && !LOOPBACK_HOSTS.has(url.hostname)) {
    throw new ConfigError('OAUTH_REDIRECT_URLS', `must list https URLs in production (plain http only for localhost), got "${raw}"`);
  }
  return `${url.origin}${url.pathname}`;
}
