import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../src/config';

const dataDir = mkdtempSync(join(tmpdir(), 'girok-config-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
const base = { DATA_DIR: dataDir };
const SECRET = 'x'.repeat(48);

function failure(env: Record<string, string>): ConfigError {
  try {
    loadConfig({ ...base, ...env });
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('loadConfig accepted a bad environment');
}

describe('config', () => {
  it('has working defaults and freezes the result', () => {
    const config = loadConfig(base);
    expect(config.http.port).toBe(4000);
    expect(config.jwt).toMatchObject({ algorithm: 'HS256', accessTtl: 900 });
    expect(config.sessions).toMatchObject({ refreshTtl: 604800, maxLifetime: 30 * 24 * 3600, reuseGrace: 10 });
    // Prepared statements only where a real PostgreSQL is named; PgBouncer users turn them off.
    expect(config.database.preparedStatements).toBe(false);
    expect(loadConfig({ ...base, DATABASE_URL: 'postgresql://db/app' }).database.preparedStatements).toBe(true);
    expect(loadConfig({ ...base, DATABASE_URL: 'postgresql://db/app', DATABASE_PREPARED_STATEMENTS: 'false' }).database.preparedStatements).toBe(false);
    expect(config.codes).toMatchObject({ ttl: 600, maxAttempts: 5, resendCooldown: 60 });
    expect(config.revealEmailTaken).toBe(false);
    expect(config.roles).toEqual(['admin']);
    expect(loadConfig({ ...base, ROLES: 'admin, support,admin' }).roles).toEqual(['admin', 'support']);
    expect(Object.isFrozen(config.jwt)).toBe(true);
    expect(config.webauthn).toEqual({ rpId: 'localhost', rpName: config.appName, origins: ['http://localhost:4000'], challengeTtl: 300 });
    const site = loadConfig({ ...base, WEBAUTHN_RP_ID: 'example.com', WEBAUTHN_ORIGINS: 'https://example.com, https://app.example.com' });
    expect(site.webauthn.origins).toEqual(['https://example.com', 'https://app.example.com']);
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ ACCESS_TOKEN_TTL: '-5' }, 'ACCESS_TOKEN_TTL'],
    [{ JWT_ALGORITHM: 'none' }, 'JWT_ALGORITHM'],
    [{ DATABASE_URL: 'mysql://db' }, 'DATABASE_URL'],
    [{ SMTP_URL: 'not a url' }, 'SMTP_URL'],
    [{ REVEAL_EMAIL_TAKEN: 'maybe' }, 'REVEAL_EMAIL_TAKEN'],
    [{ JWT_SECRET: 'short' }, 'JWT_SECRET'],
    [{ TRUST_PROXY: '1' }, 'TRUST_PROXY'],
    [{ ROLES: 'support' }, 'ROLES'],
    [{ ROLES: 'admin,Super User' }, 'ROLES'],
    [{ WEBAUTHN_RP_ID: 'https://example.com' }, 'WEBAUTHN_RP_ID'],
    [{ WEBAUTHN_RP_ID: '127.0.0.1' }, 'WEBAUTHN_RP_ID'],
    [{ WEBAUTHN_RP_ID: 'example.com', WEBAUTHN_ORIGINS: 'https://example.org' }, 'WEBAUTHN_ORIGINS'],
    [{ WEBAUTHN_ORIGINS: 'http://localhost:4000/app' }, 'WEBAUTHN_ORIGINS'],
    [{ WEBAUTHN_CHALLENGE_TTL: '0' }, 'WEBAUTHN_CHALLENGE_TTL'],
  ])('stops on %j naming the variable', (env, variable) => {
    const error = failure(env);
    expect(error.variable).toBe(variable);
    expect(error.message).toContain(variable);
  });

  it('in production, refuses to run without DATABASE_URL or secrets', () => {
    expect(failure({ NODE_ENV: 'production', JWT_SECRET: SECRET, CODE_SECRET: SECRET }).variable).toBe('DATABASE_URL');
    const withDb = { NODE_ENV: 'production', DATABASE_URL: 'postgresql://db/girok' };
    expect(failure({ ...withDb, CODE_SECRET: SECRET, ENCRYPTION_KEY: SECRET }).variable).toBe('JWT_SECRET');
    expect(failure({ ...withDb, JWT_SECRET: SECRET, ENCRYPTION_KEY: SECRET }).variable).toBe('CODE_SECRET');
    expect(failure({ ...withDb, JWT_SECRET: SECRET, CODE_SECRET: SECRET }).variable).toBe('ENCRYPTION_KEY');
    expect(loadConfig({ ...base, ...withDb, JWT_SECRET: SECRET, CODE_SECRET: SECRET, ENCRYPTION_KEY: SECRET }).env).toBe('production');
  });

  it('in development, generates secrets once and reuses them', () => {
    const first = loadConfig(base);
    const second = loadConfig(base);
    expect(first.jwt.secret.equals(second.jwt.secret)).toBe(true);
    expect(first.jwt.secret.length).toBeGreaterThanOrEqual(32);
    expect(first.codes.secret.equals(first.jwt.secret)).toBe(false);
    const stored = JSON.parse(readFileSync(join(dataDir, 'secrets.json'), 'utf8'));
    expect(Object.keys(stored).sort()).toEqual(['CODE_SECRET', 'ENCRYPTION_KEY', 'JWT_SECRET']);
  });
});
