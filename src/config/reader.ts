import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import type { Config } from './config';
import { ConfigError } from './errors';
import { readFederation } from './federation';
import { SecretSource } from './secrets';

type Env = Record<string, string | undefined>;

/**
 * Reads the process environment over `.env` (the process wins), the only place that
 * touches `process.env`.
 */
export function readEnvironment(cwd = process.cwd()): Env {
  const file = resolve(cwd, '.env');
  const fromFile = existsSync(file) ? parseDotenv(readFileSync(file)) : {};
  return { ...fromFile, ...process.env };
}

/** Parses and checks every setting; throws ConfigError naming the first bad variable. */
export function loadConfig(env: Env = readEnvironment()): Config {
  const read = new Reader(env);
  const nodeEnv = read.oneOf('NODE_ENV', ['development', 'production', 'test'] as const, 'development');
  const production = nodeEnv === 'production';
  const dataDir = resolve(read.string('DATA_DIR', './.data'));

  const databaseUrl = read.url('DATABASE_URL', ['postgres:', 'postgresql:']);
  if (production && !databaseUrl) {
    throw new ConfigError('DATABASE_URL', 'is required in production (a postgres:// URL); the embedded database is for development only');
  }

  const webConcurrency = read.integer('WEB_CONCURRENCY', 1, 1, 64);
  if (webConcurrency > 1 && !databaseUrl) {
    throw new ConfigError('WEB_CONCURRENCY', 'above 1 needs DATABASE_URL: the embedded database serves one process');
  }

  const secrets = new SecretSource(env, production, dataDir);
  const algorithm = read.oneOf('JWT_ALGORITHM', ['HS256', 'ES256', 'EdDSA'] as const, 'HS256');
  const privateKeyFile = read.optional('JWT_PRIVATE_KEY_FILE');
  if (production && algorithm !== 'HS256' && !privateKeyFile) {
    throw new ConfigError('JWT_PRIVATE_KEY_FILE', `is required in production when JWT_ALGORITHM is ${algorithm}`);
  }

  const appName = read.string('APP_NAME', 'Girok');
  const trustProxy = read.trustProxy('TRUST_PROXY');
  const codeSecret = secrets.get('CODE_SECRET', true);
  const config: Config = {
    env: nodeEnv,
    appName,
    dataDir,
    webConcurrency,
    http: {
      port: read.integer('PORT', 4000, 0, 65535),
      host: read.string('HOST', production ? '0.0.0.0' : '127.0.0.1'),
      trustProxy,
      bodyLimit: read.integer('HTTP_BODY_LIMIT', 64 * 1024, 1024, 10 * 1024 * 1024),
      requestTimeout: read.integer('HTTP_REQUEST_TIMEOUT', 10, 1, 3600),
      keepAliveTimeout: read.integer('HTTP_KEEP_ALIVE_TIMEOUT', 30, 1, 3600),
      maxConnections: read.integer('HTTP_MAX_CONNECTIONS', 4096, 1, 1_000_000),
      // Behind a proxy every connection comes from the proxy, so the per-peer cap is off by default there.
      maxConnectionsPerIp: read.integer('HTTP_MAX_CONNECTIONS_PER_IP', trustProxy ? 0 : 256, 0, 1_000_000),
      shutdownTimeout: read.integer('SHUTDOWN_TIMEOUT', 10, 1, 600),
      graphqlIde: read.boolean('GRAPHQL_IDE', !production),
      introspection: read.boolean('GRAPHQL_INTROSPECTION', !production),
      publicOrigin: read.publicOrigin('PUBLIC_URL'),
      corsOrigins: read.origins('CORS_ORIGINS', production),
    },
    log: {
      level: read.oneOf('LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, nodeEnv === 'test' ? 'silent' : 'info'),
      format: read.oneOf('LOG_FORMAT', ['json', 'pretty'] as const, nodeEnv === 'development' ? 'pretty' : 'json'),
    },
    metrics: {
      enabled: read.boolean('METRICS_ENABLED', true),
      token: read.secretToken('METRICS_TOKEN'),
    },
    database: {
      url: databaseUrl,
      poolSize: read.integer('DATABASE_POOL_SIZE', 10, 1, 200),
      migrateOnBoot: read.boolean('MIGRATE_ON_BOOT', true),
      // Named statements live on a server connection: PgBouncer in transaction mode (before
      // 1.21's max_prepared_statements) would hand them to the wrong one, so it is a setting.
      preparedStatements: read.boolean('DATABASE_PREPARED_STATEMENTS', databaseUrl !== null),
    },
    mail: {
      smtpUrl: read.url('SMTP_URL', ['smtp:', 'smtps:']),
      from: read.string('MAIL_FROM', `${appName} <no-reply@localhost>`),
      appName,
      retentionSeconds: read.integer('MAIL_RETENTION', 7 * 24 * 3600, 1, 10 * 365 * 24 * 3600),
      leaseSeconds: read.integer('MAIL_LEASE', 120, 2, 3600),
      sendTimeout: read.integer('MAIL_SEND_TIMEOUT', 60, 1, 3600),
      retryMaxBackoff: read.integer('MAIL_RETRY_MAX_BACKOFF', 300, 1, 24 * 3600),
      retryFor: read.integer('MAIL_RETRY_FOR', 24 * 3600, 1, 30 * 24 * 3600),
      sealSecret: codeSecret,
    },
    redisUrl: read.url('REDIS_URL', ['redis:', 'rediss:']),
    jwt: {
      algorithm,
      secret: secrets.get('JWT_SECRET', algorithm === 'HS256'),
      privateKeyFile,
      retiredPublicKeyFiles: read.list('JWT_RETIRED_PUBLIC_KEY_FILES'),
      issuer: read.string('JWT_ISSUER', 'girok-auth'),
      audience: read.string('JWT_AUDIENCE', 'girok'),
      accessTtl: read.integer('ACCESS_TOKEN_TTL', 900, 1, 24 * 3600),
    },
    sessions: {
      refreshTtl: read.integer('REFRESH_TOKEN_TTL', 604800, 60, 365 * 24 * 3600),
      maxLifetime: read.integer('SESSION_MAX_LIFETIME', 30 * 24 * 3600, 1, 10 * 365 * 24 * 3600),
      reuseGrace: read.integer('REFRESH_REUSE_GRACE', 10, 0, 300),
    },
    refreshCookie: readRefreshCookie(read, production),
    maintenance: {
      interval: read.integer('MAINTENANCE_INTERVAL', 60, 1, 24 * 3600),
      sessionRetention: read.integer('SESSION_RETENTION', 3 * 24 * 3600, 1, 10 * 365 * 24 * 3600),
      unverifiedAccountRetention: read.integer('UNVERIFIED_ACCOUNT_RETENTION', 7 * 24 * 3600, 1, 10 * 365 * 24 * 3600),
      securityEventRetention: read.integer('SECURITY_EVENT_RETENTION', 365 * 24 * 3600, 1, 10 * 365 * 24 * 3600),
    },
    codes: {
      secret: codeSecret,
      ttl: read.integer('CODE_TTL', 600, 10, 24 * 3600),
      maxAttempts: read.integer('CODE_MAX_ATTEMPTS', 5, 1, 100),
      resendCooldown: read.integer('CODE_RESEND_COOLDOWN', 60, 0, 24 * 3600),
    },
    mfa: {
      reauthWindow: read.integer('REAUTH_WINDOW', 300, 1, 24 * 3600),
    },
    webauthn: readWebAuthn(read, appName, production),
    argon2: {
      memoryCost: read.integer('ARGON2_MEMORY_KIB', 19456, 1024, 4 * 1024 * 1024),
      timeCost: read.integer('ARGON2_ITERATIONS', 2, 1, 100),
      parallelism: read.integer('ARGON2_PARALLELISM', 1, 1, 64),
      concurrency: read.integer('ARGON2_CONCURRENCY', availableParallelism(), 1, 256),
    },
    revealEmailTaken: read.boolean('REVEAL_EMAIL_TAKEN', false),
    roles: readRoles(read),
    passwordMinLength: read.integer('PASSWORD_MIN_LENGTH', 8, 8, 64),
    encryptionKey: secrets.get('ENCRYPTION_KEY', true),
    encryptionKeyPrevious: secrets.optional('ENCRYPTION_KEY_PREVIOUS'),
    rateLimit: {
      enabled: read.boolean('RATE_LIMIT_ENABLED', true),
      loginFailures: read.integer('RATE_LIMIT_LOGIN_FAILURES', 5, 1, 1000),
      loginWindow: read.integer('RATE_LIMIT_LOGIN_WINDOW', 900, 1, 24 * 3600),
      loginMaxBackoff: read.integer('RATE_LIMIT_LOGIN_MAX_BACKOFF', 3600, 1, 7 * 24 * 3600),
      ipPerMinute: read.integer('RATE_LIMIT_IP_PER_MINUTE', 20, 1, 1_000_000),
      refreshIpPerMinute: read.integer('RATE_LIMIT_REFRESH_IP_PER_MINUTE', 120, 1, 1_000_000),
      mailPerHour: read.integer('RATE_LIMIT_MAIL_PER_HOUR', 3, 1, 1000),
      codeFailures: read.integer('RATE_LIMIT_CODE_FAILURES', 10, 1, 100_000),
      codeWindow: read.integer('RATE_LIMIT_CODE_WINDOW', 3600, 1, 24 * 3600),
      redisCommandTimeout: read.integer('RATE_LIMIT_REDIS_TIMEOUT_MS', 500, 10, 60_000),
    },
    queryLimits: {
      maxDepth: read.integer('GRAPHQL_MAX_DEPTH', 8, 2, 100),
      maxAliases: read.integer('GRAPHQL_MAX_ALIASES', 10, 0, 1000),
      maxCost: read.integer('GRAPHQL_MAX_COST', 1000, 10, 1_000_000),
      maxTokens: read.integer('GRAPHQL_MAX_TOKENS', 1000, 50, 1_000_000),
      maxDirectives: read.integer('GRAPHQL_MAX_DIRECTIVES', 10, 0, 1000),
      documentCacheMb: read.integer('GRAPHQL_DOCUMENT_CACHE_MB', 16, 0, 4096),
    },
    realtime: {
      enabled: read.boolean('REALTIME_ENABLED', true),
      initTimeout: read.integer('REALTIME_INIT_TIMEOUT', 3, 1, 60),
      maxMessageBytes: read.integer('REALTIME_MAX_MESSAGE_BYTES', 16 * 1024, 1024, 1024 * 1024),
      maxSocketsPerIp: read.integer('REALTIME_MAX_SOCKETS_PER_IP', 64, 0, 1_000_000),
      maxSocketsPerUser: read.integer('REALTIME_MAX_SOCKETS_PER_USER', 16, 1, 10_000),
      maxSubscriptionsPerSocket: read.integer('REALTIME_MAX_SUBSCRIPTIONS_PER_SOCKET', 5, 1, 100),
      channel: read.channel('REALTIME_CHANNEL', defaultChannel(read.string('JWT_ISSUER', 'girok-auth'))),
      embeddedPollMs: read.integer('REALTIME_EMBEDDED_POLL_MS', 250, 10, 10_000),
    },
    federation: readFederation(env, production),
  };
  if (config.mail.leaseSeconds <= config.mail.sendTimeout) {
    // A lease that can run out during a send lets a second worker send the same mail.
    throw new ConfigError('MAIL_LEASE', `must be longer than MAIL_SEND_TIMEOUT (${config.mail.sendTimeout} s), got ${config.mail.leaseSeconds}`);
  }
  if (webConcurrency > 1 && config.rateLimit.enabled && !config.redisUrl) {
    // In memory, each worker would keep its own budget: N workers, N times the allowance.
    throw new ConfigError('WEB_CONCURRENCY', 'above 1 needs REDIS_URL so every worker shares one rate-limit budget (or RATE_LIMIT_ENABLED=false)');
  }
  secrets.persist();
  return deepFreeze(config);
}

// RFC 6265 cookie-name characters (an HTTP token).
const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,64}$/;

/**
 * The browser-session cookie. Secure may be off only outside production (plain-http development
 * on a host other than localhost); then the default name drops `__Host-`, which requires Secure.
 */
function readRefreshCookie(read: Reader, production: boolean): Config['refreshCookie'] {
  const secure = read.boolean('REFRESH_COOKIE_SECURE', true);
  if (!secure && production) throw new ConfigError('REFRESH_COOKIE_SECURE', 'must be true in production: the refresh cookie must never travel over plain http');
  const sameSite = read.oneOf('REFRESH_COOKIE_SAMESITE', ['strict', 'lax', 'none'] as const, 'strict');
  if (sameSite === 'none' && !secure)
    throw new ConfigError('REFRESH_COOKIE_SAMESITE', 'none requires REFRESH_COOKIE_SECURE=true (browsers drop an insecure SameSite=None cookie)');
  const name = read.string('REFRESH_COOKIE_NAME', secure ? '__Host-girok_refresh' : 'girok_refresh');
  if (!COOKIE_NAME.test(name))
    throw new ConfigError('REFRESH_COOKIE_NAME', `must be 1 to 64 cookie-name characters (letters, digits, !#$%&'*+-.^_\`|~), got "${name}"`);
  if (!secure && /^__(host|secure)-/i.test(name))
    throw new ConfigError('REFRESH_COOKIE_NAME', `a __Host- or __Secure- name requires REFRESH_COOKIE_SECURE=true, got "${name}"`);
  return { name, sameSite, secure };
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

// A DNS name in lowercase ASCII (IDNA form): WebAuthn refuses IP addresses as an RP ID.
const RP_ID = /^(?=.{1,253}$)(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))*$/;

/**
 * Passkeys: the RP ID is a domain, and every origin's host is that domain or under it (a
 * browser refuses anything else, so a mismatch would only surface as failing sign-ins).
 */
function readWebAuthn(read: Reader, appName: string, production: boolean): Config['webauthn'] {
  const rpId = read.string('WEBAUTHN_RP_ID', 'localhost').toLowerCase();
  if (!RP_ID.test(rpId) || /^[\d.]+$/.test(rpId))
    throw new ConfigError('WEBAUTHN_RP_ID', `must be a domain name like example.com (no scheme, port or IP address), got "${rpId}"`);
  const origins = read.origins('WEBAUTHN_ORIGINS', production);
  if (origins.length === 0 && read.optional('WEBAUTHN_ORIGINS') === null) origins.push('http://localhost:4000');
  if (origins.length === 0) throw new ConfigError('WEBAUTHN_ORIGINS', 'must list at least one origin');
  for (const origin of origins) {
    const host = new URL(origin).hostname;
    if (host !== rpId && !host.endsWith(`.${rpId}`)) {
      throw new ConfigError('WEBAUTHN_ORIGINS', `every origin must be on WEBAUTHN_RP_ID (${rpId}) or a subdomain of it, got "${origin}"`);
    }
  }
  return {
    rpId,
    rpName: read.string('WEBAUTHN_RP_NAME', appName),
    origins,
    challengeTtl: read.integer('WEBAUTHN_CHALLENGE_TTL', 300, 10, 3600),
  };
}

/** Two deployments on one database hear only their own events: the channel is named after the token issuer. */
function defaultChannel(issuer: string): string {
  return `girok_events_${createHash('sha256').update(issuer).digest('hex').slice(0, 16)}`;
}

class Reader {
  constructor(private readonly env: Env) {}

  optional(name: string): string | null {
    const value = this.env[name]?.trim();
    return value ? value : null;
  }

  string(name: string, fallback: string): string {
    return this.optional(name) ?? fallback;
  }

  list(name: string): string[] {
    return (this.optional(name) ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    const raw = this.optional(name);
    if (raw === null) return fallback;
    if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      throw new ConfigError(name, `must be a whole number from ${min} to ${max}, got "${raw}"`);
    }
    return Number(raw);
  }

  boolean(name: string, fallback: boolean): boolean {
    const raw = this.optional(name)?.toLowerCase();
    if (raw === undefined) return fallback;
    if (['true', '1', 'yes'].includes(raw)) return true;
    if (['false', '0', 'no'].includes(raw)) return false;
    throw new ConfigError(name, `must be true or false, got "${raw}"`);
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const raw = this.optional(name);
    if (raw === null) return fallback;
    if (!allowed.includes(raw as T)) throw new ConfigError(name, `must be one of ${allowed.join(', ')}, got "${raw}"`);
    return raw as T;
  }

  url(name: string, protocols: string[]): string | null {
    const raw = this.optional(name);
    if (raw === null) return null;
    let parsed: URL;
    try {
      parsed = new URL(raw);
    } catch {
      throw new ConfigError(name, `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`);
    }
    if (!protocols.includes(parsed.protocol)) {
      throw new ConfigError(name, `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}, got ${parsed.protocol}//`);
    }
    return raw;
  }

  /** The origin of an optional http(s) URL (PUBLIC_URL may carry a path; the origin is what browsers compare). */
  publicOrigin(name: string): string | null {
    return this.url(name, ['http:', 'https:']) === null ? null : new URL(this.optional(name)!).origin;
  }

  /**
   * A comma list of exact origins (`https://app.example.com`): no wildcard, path or credentials,
   * since each one is trusted with credentials. In production a plain-http origin is refused
   * unless it is loopback: anyone on its network could run script there with the user's session.
   */
  origins(name: string, production: boolean): string[] {
    return this.list(name).map((raw) => {
      let parsed: URL | null = null;
      try {
        parsed = new URL(raw);
      } catch {
        // reported below
      }
      if (!parsed || !['http:', 'https:'].includes(parsed.protocol) || parsed.origin !== raw.replace(/\/$/, '').toLowerCase()) {
        throw new ConfigError(name, `must list exact origins like https://app.example.com (scheme, host and port, no path or wildcard), got "${raw}"`);
      }
      if (production && parsed.protocol === 'http:' && !LOOPBACK_HOSTS.has(parsed.hostname)) {
        throw new ConfigError(name, `must list https origins in production (plain http only for localhost), got "${raw}"`);
      }
      return parsed.origin;
    });
  }

  /** An optional shared secret for a bearer header: at least 16 characters, no whitespace. */
  secretToken(name: string): string | null {
    const raw = this.optional(name);
    if (raw !== null && !/^\S{16,512}$/.test(raw)) throw new ConfigError(name, 'must be 16 to 512 characters without whitespace');
    return raw;
  }

  /** A PostgreSQL LISTEN channel name: lowercase letters, digits and underscores, at most 63. */
  channel(name: string, fallback: string): string {
    const raw = this.optional(name);
    if (raw !== null && !/^[a-z_][a-z0-9_]{0,62}$/.test(raw)) throw new ConfigError(name, `must be 1 to 63 lowercase letters, digits or _, got "${raw}"`);
    return raw ?? fallback;
  }

  /** Fastify's trustProxy: true/false, or a comma list of proxy addresses/CIDRs. */
  trustProxy(name: string): boolean | string {
    const raw = this.optional(name);
    if (raw === null || raw.toLowerCase() === 'false') return false;
    if (raw.toLowerCase() === 'true') return true;
    // Fastify 5 has no hop count; a bare number would silently be read as an address.
    if (/^\d+$/.test(raw)) throw new ConfigError(name, 'must be true, false, or the addresses/CIDRs of your proxies (Fastify 5 takes no hop count)');
    return raw;
  }
}

const ROLE_NAME = /^[a-z][a-z0-9_:-]{0,31}$/;

/** ROLES: a comma list of role names; `admin` is always one of them (the admin API needs it). */
function readRoles(read: Reader): string[] {
  const roles = read.list('ROLES');
  if (roles.length === 0) return ['admin'];
  const bad = roles.find((role) => !ROLE_NAME.test(role));
  if (bad !== undefined) throw new ConfigError('ROLES', `must be a comma list of names like "admin" or "support" (a-z, 0-9, _ : -; at most 32), got "${bad}"`);
  if (!roles.includes('admin')) throw new ConfigError('ROLES', 'must include "admin": the admin API and user:create --admin rely on it');
  return [...new Set(roles)];
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Buffer.isBuffer(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
