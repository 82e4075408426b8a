import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../src/config';

const dataDir = mkdtempSync(join(tmpdir(), 'girok-browser-config-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
const SECRET = 'x'.repeat(48);
const PRODUCTION = {
  NODE_ENV: 'production',
  DATABASE_URL: 'postgres://db/girok',
  JWT_SECRET: SECRET,
  CODE_SECRET: SECRET,
  ENCRYPTION_KEY: SECRET,
};

function load(env: Record<string, string>) {
  return loadConfig({ DATA_DIR: dataDir, ...env });
}

function failure(env: Record<string, string>): ConfigError {
  try {
    load(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('loadConfig accepted a bad environment');
}

describe('browser session settings', () => {
  it('defaults to a Secure, SameSite=Strict __Host- cookie and no CORS origin', () => {
    const config = load({});
    expect(config.refreshCookie).toEqual({ name: '__Host-girok_refresh', sameSite: 'strict', secure: true });
    expect(config.http.corsOrigins).toEqual([]);
    expect(config.http.publicOrigin).toBeNull();
  });

  it('drops the __Host- prefix from the default name when Secure is off (development over plain http)', () => {
    expect(load({ REFRESH_COOKIE_SECURE: 'false' }).refreshCookie).toEqual({ name: 'girok_refresh', sameSite: 'strict', secure: false });
  });

  it('reads CORS_ORIGINS as exact origins and PUBLIC_URL as its origin', () => {
    const config = load({ CORS_ORIGINS: 'https://app.example.com, http://localhost:5173/', PUBLIC_URL: 'https://auth.example.com/base/' });
    expect(config.http.corsOrigins).toEqual(['https://app.example.com', 'http://localhost:5173']);
    expect(config.http.publicOrigin).toBe('https://auth.example.com');
  });

  it.each([
    [{ REFRESH_COOKIE_SAMESITE: 'none', REFRESH_COOKIE_SECURE: 'false' }, 'REFRESH_COOKIE_SAMESITE'],
    [{ REFRESH_COOKIE_SAMESITE: 'loose' }, 'REFRESH_COOKIE_SAMESITE'],
    [{ REFRESH_COOKIE_SECURE: 'false', REFRESH_COOKIE_NAME: '__Host-session' }, 'REFRESH_COOKIE_NAME'],
    [{ REFRESH_COOKIE_NAME: 'two words' }, 'REFRESH_COOKIE_NAME'],
    [{ CORS_ORIGINS: '*' }, 'CORS_ORIGINS'],
    [{ CORS_ORIGINS: 'https://app.example.com/path' }, 'CORS_ORIGINS'],
    [{ CORS_ORIGINS: 'app.example.com' }, 'CORS_ORIGINS'],
    [{ PUBLIC_URL: 'ftp://auth.example.com' }, 'PUBLIC_URL'],
  ])('refuses %j, naming %s', (env, variable) => {
    expect(failure(env).variable).toBe(variable);
  });

  it('refuses an insecure cookie or a plain-http origin in production', () => {
    expect(failure({ ...PRODUCTION, REFRESH_COOKIE_SECURE: 'false' }).variable).toBe('REFRESH_COOKIE_SECURE');
    expect(failure({ ...PRODUCTION, CORS_ORIGINS: 'http://app.example.com' }).variable).toBe('CORS_ORIGINS');
    expect(load({ ...PRODUCTION, CORS_ORIGINS: 'https://app.example.com,http://localhost:5173' }).http.corsOrigins).toHaveLength(2);
  });
});
