export type NodeEnv = 'development' | 'production' | 'test';
export type JwtAlgorithm = 'HS256' | 'ES256' | 'EdDSA';

/** The listener and what it accepts. */
export interface HttpConfig {
  readonly port: number;
  readonly host: string;
  readonly trustProxy: boolean | string;
  readonly bodyLimit: number;
  /** Seconds a client has to send a whole request (headers and body); 408 after it. */
  readonly requestTimeout: number;
  /** Seconds an idle kept-alive connection stays open. */
  readonly keepAliveTimeout: number;
  /** Open connections in all; past it, new ones are closed at once. */
  readonly maxConnections: number;
  /** Open connections from one peer address (0: no limit; behind a proxy, the proxy is the peer). */
  readonly maxConnectionsPerIp: number;
  /** Seconds a graceful close waits for requests in flight before it cuts their connections. */
  readonly shutdownTimeout: number;
  readonly graphqlIde: boolean;
  readonly introspection: boolean;
  /** PUBLIC_URL's origin: this server as browsers reach it; null means the origin of the request's Host. */
  readonly publicOrigin: string | null;
  /** CORS_ORIGINS: the origins allowed credentialed cross-origin calls (none by default). */
  readonly corsOrigins: readonly string[];
}

/** The refresh token of a browser session, in an HttpOnly cookie (`x-token-delivery: cookie`). */
export interface RefreshCookieConfig {
  readonly name: string;
  readonly sameSite: 'strict' | 'lax' | 'none';
  readonly secure: boolean;
}

export interface LogConfig {
  readonly level: string;
  /** pretty (pino-pretty, for people) by default in development; json (one object a line) otherwise. */
  readonly format: 'json' | 'pretty';
}

/** `GET /metrics` (Prometheus); with a token, only for `Authorization: Bearer <token>`. */
export interface MetricsConfig {
  readonly enabled: boolean;
  readonly token: string | null;
}

export interface DatabaseConfig {
  /** null means the embedded PGlite under `dataDir/pg`. */
  readonly url: string | null;
  readonly poolSize: number;
  readonly migrateOnBoot: boolean;
  /** The viewer lookup as a named prepared statement (parsed and planned once per connection). */
  readonly preparedStatements: boolean;
}

export interface MailConfig {
  /** null means each mail is written as an .eml file under `dataDir/mail`. */
  readonly smtpUrl: string | null;
  readonly from: string;
  readonly appName: string;
  /** Seconds a sent or given-up row is kept before it is purged. */
  readonly retentionSeconds: number;
  /** Seconds a claimed mail stays off other workers: one send, with room to spare. */
  readonly leaseSeconds: number;
  /** Seconds one SMTP exchange may take in all before it is abandoned and retried. */
  readonly sendTimeout: number;
  /** Seconds: the longest wait between two tries of one mail. */
  readonly retryMaxBackoff: number;
  /** Seconds a mail is retried before it is marked failed. */
  readonly retryFor: number;
  /** Seals the codes that pending mails carry (derived from CODE_SECRET). */
  readonly sealSecret: Buffer;
}

export interface JwtConfig {
  readonly algorithm: JwtAlgorithm;
  /** Bytes of JWT_SECRET; keys HS256 so downstream services can verify with the same secret. */
  readonly secret: Buffer;
  readonly privateKeyFile: string | null;
  readonly retiredPublicKeyFiles: readonly string[];
  readonly issuer: string;
  readonly audience: string;
  /** Seconds an access token lives. */
  readonly accessTtl: number;
}

/** Sessions and their refresh tokens. */
export interface SessionConfig {
  /** Seconds a session lives without a refresh (the idle timeout). */
  readonly refreshTtl: number;
  /** Seconds a session lives at most from its sign-in, however often it refreshes (the absolute timeout). */
  readonly maxLifetime: number;
  /** Seconds in which a rotated refresh token presented again returns the same successor. */
  readonly reuseGrace: number;
}

/** The periodic purge of what has ended (src/maintenance); every value in seconds. */
export interface MaintenanceConfig {
  readonly interval: number;
  readonly sessionRetention: number;
  readonly unverifiedAccountRetention: number;
  readonly securityEventRetention: number;
}

/** The second factor and sudo mode (src/mfa). */
export interface MfaConfig {
  /** Seconds after a sign-in or `reauthenticate` during which sudo mutations are allowed (REAUTH_WINDOW). */
  readonly reauthWindow: number;
}

/** Passkeys (src/passkeys): who we are to the browser's WebAuthn API. */
export interface WebAuthnConfig {
  /** WEBAUTHN_RP_ID: the domain passkeys are bound to (the page's host or a parent of it). */
  readonly rpId: string;
  /** WEBAUTHN_RP_NAME: the name the browser shows when a passkey is made (APP_NAME by default). */
  readonly rpName: string;
  /** WEBAUTHN_ORIGINS: the exact origins of the pages that may create and use passkeys. */
  readonly origins: readonly string[];
  /** Seconds a registration or sign-in challenge lives (WEBAUTHN_CHALLENGE_TTL). */
  readonly challengeTtl: number;
}

export interface CodeConfig {
  readonly secret: Buffer;
  readonly ttl: number;
  readonly maxAttempts: number;
  readonly resendCooldown: number;
}

export interface Argon2Config {
  readonly memoryCost: number;
  readonly timeCost: number;
  readonly parallelism: number;
  /** argon2 runs at once in this process; more wait their turn (ARGON2_CONCURRENCY, default: the cores). */
  readonly concurrency: number;
}

/** Budgets per resolver call (src/abuse); memory, or Redis when `redisUrl` is set. */
export interface RateLimitConfig {
  readonly enabled: boolean;
  /** Wrong passwords per account before a backoff starts, within `loginWindow` seconds. */
  readonly loginFailures: number;
  readonly loginWindow: number;
  /** The backoff doubles with each lockout in a day, up to this many seconds. */
  readonly loginMaxBackoff: number;
  /** Calls per IP per minute, for each auth mutation separately. */
  readonly ipPerMinute: number;
  readonly refreshIpPerMinute: number;
  /** Code mails per address per hour, and notices per address per hour (a budget each; only sent mail spends). */
  readonly mailPerHour: number;
  /** Wrong codes per address, across every code it gets, before a backoff starts, within `codeWindow` seconds. */
  readonly codeFailures: number;
  readonly codeWindow: number;
  /** Milliseconds a Redis command may take before the limiter falls back to memory. */
  readonly redisCommandTimeout: number;
}

/** Document limits enforced before execution (graphql-armor, the parser, the document cache). */
export interface QueryLimitConfig {
  readonly maxDepth: number;
  readonly maxAliases: number;
  readonly maxCost: number;
  readonly maxTokens: number;
  readonly maxDirectives: number;
  /** MiB of heap that parsed, validated documents kept for reuse may take (estimated per document). */
  readonly documentCacheMb: number;
}

/** The `securityEvents` subscription over graphql-ws (src/realtime). */
export interface RealtimeConfig {
  readonly enabled: boolean;
  /** Seconds a socket has to send `connection_init`. */
  readonly initTimeout: number;
  /** Bytes of one incoming message. */
  readonly maxMessageBytes: number;
  /** Open sockets from one client address (0: no limit). */
  readonly maxSocketsPerIp: number;
  /** Open sockets of one account. */
  readonly maxSocketsPerUser: number;
  /** Subscriptions running at once on one socket. */
  readonly maxSubscriptionsPerSocket: number;
  /** The PostgreSQL NOTIFY channel; distinct per deployment sharing one database (from JWT_ISSUER by default). */
  readonly channel: string;
  /** Milliseconds between reads of new events on the embedded database, which has no LISTEN across connections. */
  readonly embeddedPollMs: number;
}

/** One sign-in provider: a generic OpenID Connect issuer, the Google preset, or GitHub (OAuth 2). */
export interface FederationProviderConfig {
  /** Lowercase letters and digits: `startOAuth(provider)` and the callback path `/oauth/callback/<id>`. */
  readonly id: string;
  /** What the login button says. */
  readonly name: string;
  readonly kind: 'oidc' | 'github';
  /** The https issuer (OIDC only; discovered from its `/.well-known/openid-configuration`). */
  readonly issuer: string | null;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly scopes: readonly string[];
}

/** Federated sign-in (src/federation). */
export interface FederationConfig {
  readonly providers: readonly FederationProviderConfig[];
  /** PUBLIC_URL without a trailing slash: callbacks are `<callbackBase>/oauth/callback/<id>`; null without providers. */
  readonly callbackBase: string | null;
  /** OAUTH_REDIRECT_URLS: the app URLs a flow may return to (origin and path compared exactly). */
  readonly redirectUrls: readonly string[];
}

export interface Config {
  readonly env: NodeEnv;
  readonly appName: string;
  readonly dataDir: string;
  /** Worker processes on one port (node:cluster); 1 runs the server in this process. */
  readonly webConcurrency: number;
  readonly http: HttpConfig;
  readonly log: LogConfig;
  readonly metrics: MetricsConfig;
  readonly database: DatabaseConfig;
  readonly mail: MailConfig;
  readonly redisUrl: string | null;
  readonly jwt: JwtConfig;
  readonly sessions: SessionConfig;
  readonly refreshCookie: RefreshCookieConfig;
  readonly maintenance: MaintenanceConfig;
  readonly codes: CodeConfig;
  readonly mfa: MfaConfig;
  readonly webauthn: WebAuthnConfig;
  readonly argon2: Argon2Config;
  readonly revealEmailTaken: boolean;
  /** ROLES: the closed list of roles an administrator may grant; always holds `admin`. */
  readonly roles: readonly string[];
  /** The shortest password accepted, in code points (at least 8; NIST asks 15 when it is the only factor). */
  readonly passwordMinLength: number;
  /** ENCRYPTION_KEY: keys the refresh-token MACs and seals secrets at rest (each use under its own HKDF label). */
  readonly encryptionKey: Buffer;
  /** ENCRYPTION_KEY_PREVIOUS, during a rotation: what it sealed or signed is still read, never written. */
  readonly encryptionKeyPrevious: Buffer | null;
  readonly rateLimit: RateLimitConfig;
  readonly queryLimits: QueryLimitConfig;
  readonly realtime: RealtimeConfig;
  readonly federation: FederationConfig;
}
