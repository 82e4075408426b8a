import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse as parseDotenv } from 'dotenv';

/** Thrown when the environment holds a value the server cannot run with. */
export class ConfigError extends Error {
  constructor(readonly variable: string, message: string) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

export type NodeEnv = 'development' | 'production' | 'test';
export type JwtAlgorithm = 'HS256' | 'ES256' | 'EdDSA';
export type Locale = 'en' | 'ko';

export interface Config {
  readonly env: NodeEnv;
  readonly appName: string;
  readonly dataDir: string;
  /** Worker processes on one port (node:cluster); 1 runs the server in this process. */
  readonly webConcurrency: number;
  readonly http: {
    readonly port: number;
    readonly host: string;
    readonly trustProxy: boolean | string;
    readonly bodyLimit: number;
    /** Seconds a graceful close waits for requests in flight before it cuts their connections. */
    readonly shutdownTimeout: number;
    readonly graphqlIde: boolean;
    readonly introspection: boolean;
  };
  readonly log: {
    readonly level: string;
    /** pretty (pino-pretty, for people) by default in development; json (one object a line) otherwise. */
    readonly format: 'json' | 'pretty';
  };
  /** `GET /metrics` (Prometheus); with a token, only for `Authorization: Bearer <token>`. */
  readonly metrics: { readonly enabled: boolean; readonly token: string | null };
  readonly database: {
    /** null means the embedded PGlite under `dataDir/pg`. */
    readonly url: string | null;
    readonly poolSize: number;
    readonly migrateOnBoot: boolean;
  };
  readonly mail: {
    /** null means each mail is written as an .eml file under `dataDir/mail`. */
    readonly smtpUrl: string | null;
    readonly from: string;
    readonly maxAttempts: number;
    readonly retentionSeconds: number;
    /** Seconds a claimed mail stays off other workers; a dead worker's mails wait this long. */
    readonly leaseSeconds: number;
  };
  readonly redisUrl: string | null;
  readonly jwt: {
    readonly algorithm: JwtAlgorithm;
    /** Bytes of JWT_SECRET; keys HS256 so downstream services can verify with the same secret. */
    readonly secret: Buffer;
    readonly privateKeyFile: string | null;
    readonly retiredPublicKeyFiles: readonly string[];
    readonly issuer: string;
    readonly audience: string;
    readonly accessTtl: number;
    readonly refreshTtl: number;
    readonly reuseGrace: number;
  };
  readonly codes: {
    readonly secret: Buffer;
    readonly ttl: number;
    readonly maxAttempts: number;
    readonly resendCooldown: number;
  };
  readonly argon2: {
    readonly memoryCost: number;
    readonly timeCost: number;
    readonly parallelism: number;
  };
  readonly revealEmailTaken: boolean;
  /** Budgets per resolver call (src/abuse); memory, or Redis when `redisUrl` is set. */
  readonly rateLimit: {
    readonly enabled: boolean;
    /** Wrong passwords per account before a backoff starts, within `loginWindow` seconds. */
    readonly loginFailures: number;
    readonly loginWindow: number;
    /** The backoff doubles with each lockout in a day, up to this many seconds. */
    readonly loginMaxBackoff: number;
    /** Calls per IP per minute, for each auth mutation separately. */
    readonly ipPerMinute: number;
    readonly refreshIpPerMinute: number;
    /** Mail-sending calls per address per hour (the resend cooldown applies on top). */
    readonly mailPerHour: number;
    /** Code checks (verifyEmail, resetPassword) per address per hour. */
    readonly codePerHour: number;
  };
  /** Document limits enforced before execution (graphql-armor). */
  readonly queryLimits: {
    readonly maxDepth: number;
    readonly maxAliases: number;
    readonly maxCost: number;
    readonly maxTokens: number;
    readonly maxDirectives: number;
  };
}

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

  const config: Config = {
    env: nodeEnv,
    appName: read.string('APP_NAME', 'Girok'),
    dataDir,
    webConcurrency,
    http: {
      port: read.integer('PORT', 4000, 0, 65535),
      host: read.string('HOST', production ? '0.0.0.0' : '127.0.0.1'),
      trustProxy: read.trustProxy('TRUST_PROXY'),
      bodyLimit: read.integer('HTTP_BODY_LIMIT', 64 * 1024, 1024, 10 * 1024 * 1024),
      shutdownTimeout: read.integer('SHUTDOWN_TIMEOUT', 10, 1, 600),
      graphqlIde: read.boolean('GRAPHQL_IDE', !production),
      introspection: read.boolean('GRAPHQL_INTROSPECTION', !production),
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
    },
    mail: {
      smtpUrl: read.url('SMTP_URL', ['smtp:', 'smtps:']),
      from: read.string('MAIL_FROM', `${read.string('APP_NAME', 'Girok')} <no-reply@localhost>`),
      maxAttempts: read.integer('MAIL_MAX_ATTEMPTS', 8, 1, 100),
      retentionSeconds: read.integer('MAIL_RETENTION', 7 * 24 * 3600, 60, 365 * 24 * 3600),
      leaseSeconds: read.integer('MAIL_LEASE', 120, 1, 3600),
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
      refreshTtl: read.integer('REFRESH_TOKEN_TTL', 604800, 60, 365 * 24 * 3600),
      reuseGrace: read.integer('REFRESH_REUSE_GRACE', 10, 0, 300),
    },
    codes: {
      secret: secrets.get('CODE_SECRET', true),
      ttl: read.integer('CODE_TTL', 600, 10, 24 * 3600),
      maxAttempts: read.integer('CODE_MAX_ATTEMPTS', 5, 1, 100),
      resendCooldown: read.integer('CODE_RESEND_COOLDOWN', 60, 0, 24 * 3600),
    },
    argon2: {
      memoryCost: read.integer('ARGON2_MEMORY_KIB', 19456, 1024, 4 * 1024 * 1024),
      timeCost: read.integer('ARGON2_ITERATIONS', 2, 1, 100),
      parallelism: read.integer('ARGON2_PARALLELISM', 1, 1, 64),
    },
    revealEmailTaken: read.boolean('REVEAL_EMAIL_TAKEN', false),
    rateLimit: {
      enabled: read.boolean('RATE_LIMIT_ENABLED', true),
      loginFailures: read.integer('RATE_LIMIT_LOGIN_FAILURES', 5, 1, 1000),
      loginWindow: read.integer('RATE_LIMIT_LOGIN_WINDOW', 900, 1, 24 * 3600),
      loginMaxBackoff: read.integer('RATE_LIMIT_LOGIN_MAX_BACKOFF', 3600, 1, 7 * 24 * 3600),
      ipPerMinute: read.integer('RATE_LIMIT_IP_PER_MINUTE', 20, 1, 1_000_000),
      refreshIpPerMinute: read.integer('RATE_LIMIT_REFRESH_IP_PER_MINUTE', 120, 1, 1_000_000),
      mailPerHour: read.integer('RATE_LIMIT_MAIL_PER_HOUR', 3, 1, 1000),
      codePerHour: read.integer('RATE_LIMIT_CODE_PER_HOUR', 30, 1, 100_000),
    },
    queryLimits: {
      maxDepth: read.integer('GRAPHQL_MAX_DEPTH', 8, 2, 100),
      maxAliases: read.integer('GRAPHQL_MAX_ALIASES', 10, 0, 1000),
      maxCost: read.integer('GRAPHQL_MAX_COST', 1000, 10, 1_000_000),
      maxTokens: read.integer('GRAPHQL_MAX_TOKENS', 1000, 50, 1_000_000),
      maxDirectives: read.integer('GRAPHQL_MAX_DIRECTIVES', 10, 0, 1000),
    },
  };
  if (webConcurrency > 1 && config.rateLimit.enabled && !config.redisUrl) {
    // In memory, each worker would keep its own budget: N workers, N times the allowance.
    throw new ConfigError('WEB_CONCURRENCY', 'above 1 needs REDIS_URL so every worker shares one rate-limit budget (or RATE_LIMIT_ENABLED=false)');
  }
  secrets.persist();
  return deepFreeze(config);
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
    return (this.optional(name) ?? '').split(',').map((s) => s.trim()).filter(Boolean);
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

  /** An optional shared secret for a bearer header: at least 16 characters, no whitespace. */
  secretToken(name: string): string | null {
    const raw = this.optional(name);
    if (raw !== null && !/^\S{16,512}$/.test(raw)) throw new ConfigError(name, 'must be 16 to 512 characters without whitespace');
    return raw;
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

/**
 * Secrets come from the environment. In development and tests a missing one is generated
 * once into `dataDir/secrets.json` so restarts keep sessions; production refuses to guess.
 */
class SecretSource {
  private readonly file: string;
  private stored: Record<string, string> | undefined;
  private dirty = false;

  constructor(private readonly env: Env, private readonly production: boolean, dataDir: string) {
    this.file = resolve(dataDir, 'secrets.json');
  }

  get(name: string, required: boolean): Buffer {
    const raw = this.env[name];
    if (raw) {
      if (Buffer.byteLength(raw) < 32) throw new ConfigError(name, 'must be at least 32 bytes; generate one with `openssl rand -base64 48`');
      return Buffer.from(raw, 'utf8');
    }
    if (this.production) {
      if (required) throw new ConfigError(name, 'is required in production (at least 32 bytes, e.g. `openssl rand -base64 48`)');
      return Buffer.alloc(0);
    }
    const stored = this.load();
    if (!stored[name]) {
      stored[name] = randomBytes(48).toString('base64');
      this.dirty = true;
    }
    return Buffer.from(stored[name], 'utf8');
  }

  persist(): void {
    if (!this.dirty || !this.stored) return;
    mkdirSync(dirname(this.file), { recursive: true });
    writeFileSync(this.file, JSON.stringify(this.stored, null, 2) + '\n', { mode: 0o600 });
  }

  private load(): Record<string, string> {
    if (!this.stored) {
      try {
        this.stored = existsSync(this.file) ? JSON.parse(readFileSync(this.file, 'utf8')) : {};
      } catch {
        throw new ConfigError('JWT_SECRET', `${this.file} is not valid JSON; delete it to generate new development secrets`);
      }
    }
    return this.stored!;
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Buffer.isBuffer(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
