import 'reflect-metadata';
import type { FastifyInstance } from 'fastify';
import type { GraphQLSchema } from 'graphql';
import type { DestinationStream } from 'pino';
import { AddressBudgets } from './abuse/address-budgets';
import { AccountDeletionService } from './account/account-deletion.service';
import { EmailChangeService } from './account/email-change.service';
import { AdminService } from './admin/admin.service';
import { LimiterStore } from './abuse/limiter-store';
import { RateLimits } from './abuse/rate-limits';
import { AccessTokens } from './auth/access-tokens';
import { Authenticator } from './auth/authenticate';
import { loadKeyRing } from './auth/keys';
import { LoginCodeService } from './auth/login-code.service';
import { LoginService } from './auth/login.service';
import { PasswordService } from './auth/password.service';
import { RefreshService } from './auth/refresh.service';
import { RegistrationService } from './auth/registration.service';
import { SessionService } from './auth/session.service';
import { TokenIssuer } from './auth/token-issuer';
import { CodeStore } from './codes/code.store';
import type { Config } from './config';
import { PasswordHasher } from './crypto/password-hasher';
import { Database } from './db/database';
import { entities } from './entities';
import { mountGraphql } from './graphql/apollo';
import { AccountResolver } from './graphql/account.resolver';
import { AdminResolver } from './graphql/admin.resolver';
import { AuthResolver } from './graphql/auth.resolver';
import { contextFactory } from './graphql/context';
import { MetricsPlugin } from './graphql/metrics.plugin';
import { guardMutations } from './graphql/rate-limit.guard';
import { createSchema } from './graphql/schema';
import { SessionResolver } from './graphql/session.resolver';
import { UserResolver } from './graphql/user.resolver';
import { registerCors } from './http/cors';
import { registerHealthRoutes } from './http/health';
import { registerIdeRoutes } from './http/ide';
import { registerJwksRoute } from './http/jwks';
import { loggerOptions } from './http/logging';
import { registerMetricsRoute } from './http/metrics';
import { OriginPolicy } from './http/origins';
import { createHttpServer } from './http/server';
import { Mailer } from './mail/mailer';
import { Outbox } from './mail/outbox';
import { Maintenance } from './maintenance/maintenance';
import { Metrics } from './observability/metrics';
import { SecurityLog } from './security/security-log';
import { SecurityTimeline } from './security/timeline';
import { RefreshTokens } from './sessions/refresh-token';
import { SessionStore } from './sessions/session.store';
import { UserStore } from './users/user.store';

export interface App {
  readonly config: Config;
  readonly database: Database;
  /** The ORM of `database` (tests read and write rows through it). */
  readonly orm: Database['orm'];
  readonly server: FastifyInstance;
  readonly schema: GraphQLSchema;
  /** Account creation for operators (`npm run user:create`). */
  readonly registration: RegistrationService;
  /** Roles and disabling for operators (`npm run user:create -- --admin`). */
  readonly admin: AdminService;
  /** Starts listening (and the mail worker); resolves to the GraphQL endpoint URL. */
  listen(): Promise<string>;
  /** Stops accepting, finishes in-flight requests and the in-flight mail, closes the database. */
  close(): Promise<void>;
}

export interface AppOptions {
  /** Where log lines go (tests capture them); stdout by default. */
  logStream?: DestinationStream;
}

/** The composition root: config in, a ready server out. main.ts, the scripts and every test call this. */
export async function createApp(config: Config, options: AppOptions = {}): Promise<App> {
  // Keys first: a bad key file stops boot before anything starts.
  const keys = loadKeyRing(config);
  const server = createHttpServer(config.http, loggerOptions(config.log, options.logStream));
  // Before any route, so every route answers preflights the same way.
  const origins = new OriginPolicy(config.http);
  await registerCors(server, origins);
  const database = await Database.open(config.database, config.dataDir, entities);
  let limiterStore: LimiterStore | null = null;
  try {
    const limits = config.rateLimit;
    // No Redis connection while limits are off: the few per-address states then live in memory.
    limiterStore = limits.enabled ? await LimiterStore.open(config.redisUrl, limits.redisCommandTimeout, server.log) : LimiterStore.inMemory(server.log);
    const budgets = new AddressBudgets(limiterStore, {
      codeMailsPerHour: limits.enabled ? limits.mailPerHour : 0,
      noticesPerHour: limits.enabled ? limits.mailPerHour : 0,
      resendCooldown: config.codes.resendCooldown,
      codeTtl: config.codes.ttl,
      codeMaxAttempts: config.codes.maxAttempts,
    });
    if (config.database.migrateOnBoot) {
      const applied = await database.migrate();
      if (applied.length) server.log.info({ migrations: applied }, 'applied database migrations');
    }

    // Stores and the bottom floor.
    const outbox = new Outbox({ database, settings: config.mail, dataDir: config.dataDir, log: server.log });
    const mailer = new Mailer(outbox);
    const hasher = new PasswordHasher(config.argon2);
    const securityLog = new SecurityLog(server.log);
    const sessions = new SessionStore(config.sessions, database.reads, new RefreshTokens(config.encryptionKey, config.encryptionKeyPrevious));
    const codes = new CodeStore(config.codes, securityLog);
    const tokens = new AccessTokens(config.jwt, keys.signing, keys.verifying);
    const issuer = new TokenIssuer(tokens);
    const users = new UserStore();

    // Features.
    const registration = new RegistrationService({
      settings: {
        revealEmailTaken: config.revealEmailTaken,
        codeTtl: config.codes.ttl,
        resendCooldown: config.codes.resendCooldown,
        passwordMinLength: config.passwordMinLength,
      },
      budgets,
      codes,
      hasher,
      mailer,
      sessions,
      securityLog,
      issuer,
    });
    const admin = new AdminService({ roles: config.roles, users, sessions, securityLog, log: server.log });
    const resolvers = [
      new AuthResolver(
        registration,
        new LoginService({ hasher, sessions, securityLog, issuer }),
        new RefreshService({ sessions, securityLog, issuer }),
        new PasswordService({ settings: { passwordMinLength: config.passwordMinLength }, budgets, codes, hasher, mailer, sessions, securityLog, issuer }),
      ),
      new SessionResolver(new SessionService({ sessions, securityLog })),
      new UserResolver(new SecurityTimeline()),
      new AdminResolver(admin),
      new AccountResolver(
        new LoginCodeService({ budgets, codes, mailer, sessions, securityLog, issuer }),
        new EmailChangeService({ budgets, codes, mailer, securityLog }),
        new AccountDeletionService({ users, mailer, log: server.log }),
      ),
    ];

    // The edges.
    const schema = await createSchema(resolvers);
    if (limits.enabled) guardMutations(schema, new RateLimits(limits, limiterStore));
    registerHealthRoutes(server, database);
    registerJwksRoute(server, keys);
    if (config.http.graphqlIde) registerIdeRoutes(server);
    const metrics = config.metrics.enabled ? new Metrics(() => outbox.countUnsent()) : null;
    const { maintenance: retain } = config;
    const maintenance = new Maintenance({
      fork: () => database.fork(),
      intervalSeconds: retain.interval,
      log: server.log,
      onPurged: (kind, rows) => metrics?.purged.inc({ kind }, rows),
      tasks: [
        { kind: 'sessions', purge: (em, limit) => sessions.purgeEnded(em, retain.sessionRetention, limit) },
        { kind: 'unverified_accounts', purge: (em, limit) => users.purgeUnverified(em, retain.unverifiedAccountRetention, limit) },
        { kind: 'codes', purge: (em, limit) => codes.purgeSpent(em, limit) },
        { kind: 'security_events', purge: (em, limit) => securityLog.purgeOlderThan(em, retain.securityEventRetention, limit) },
        { kind: 'mail', purge: (em, limit) => outbox.purgeSettled(em, limit) },
      ],
    });
    if (metrics && (config.metrics.token || config.env !== 'production')) registerMetricsRoute(server, metrics, config.metrics.token);
    // In production a scrape endpoint is opened on purpose, never by default.
    else if (metrics) server.log.warn({}, 'GET /metrics is off: in production it needs METRICS_TOKEN (or set METRICS_ENABLED=false)');
    const authenticator = new Authenticator(tokens, sessions);
    const browserSessions = { cookie: config.refreshCookie, refreshTtl: config.sessions.refreshTtl, origins };
    await mountGraphql(
      server,
      schema,
      config,
      contextFactory(database, authenticator, browserSessions),
      metrics ? [new MetricsPlugin(metrics, schema).plugin()] : [],
    );

    let closing: Promise<void> | undefined;
    return {
      config,
      database,
      orm: database.orm,
      server,
      schema,
      registration,
      admin,
      async listen() {
        // Templates compile here: a broken one stops boot before the port opens.
        await outbox.start();
        maintenance.start();
        const address = await server.listen({ port: config.http.port, host: config.http.host });
        return `${address.replace('[::1]', 'localhost')}/graphql`;
      },
      close() {
        closing ??= (async () => {
          await drain(server, config.http.shutdownTimeout);
          await maintenance.stop();
          await outbox.stop();
          await limiterStore?.close();
          await database.close();
        })();
        return closing;
      },
    };
  } catch (error) {
    await limiterStore?.close();
    await database.close();
    throw error;
  }
}

/**
 * Stops accepting and waits for the requests in flight. server.close() ends the connections
 * idle at that moment; one busy then would stay kept alive after its answer for as long as
 * the client likes, so each is closed as it falls idle. A client that never finishes sending
 * its request, or never reads its answer, would hold the drain open: past the deadline, cut it.
 */
async function drain(server: FastifyInstance, timeoutSeconds: number): Promise<void> {
  const sweep = setInterval(() => server.server.closeIdleConnections(), 100);
  const deadline = setTimeout(() => {
    server.log.warn({ timeoutSeconds }, 'shutdown: cutting connections still busy after SHUTDOWN_TIMEOUT');
    server.server.closeAllConnections();
  }, timeoutSeconds * 1000);
  try {
    await server.close();
  } finally {
    clearInterval(sweep);
    clearTimeout(deadline);
  }
}
