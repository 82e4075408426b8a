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
import { ReauthenticateService } from './auth/reauthenticate.service';
import { RegistrationService } from './auth/registration.service';
import { SessionService } from './auth/session.service';
import { SignIn } from './auth/sign-in';
import { TokenIssuer } from './auth/token-issuer';
import { CodeStore } from './codes/code.store';
import type { Config } from './config';
import { PasswordHasher } from './crypto/password-hasher';
import { SealRing } from './crypto/seal';
import { Database } from './db/database';
import { entities } from './entities';
import { mountGraphql } from './graphql/apollo';
import { AccountResolver } from './graphql/account.resolver';
import { AdminResolver } from './graphql/admin.resolver';
import { AuthResolver } from './graphql/auth.resolver';
import { contextFactory } from './graphql/context';
import { MetricsPlugin } from './graphql/metrics.plugin';
import { FederationResolver } from './graphql/federation.resolver';
import { MfaResolver } from './graphql/mfa.resolver';
import { PasskeyResolver } from './graphql/passkey.resolver';
import { guardMutations } from './graphql/rate-limit.guard';
import { RealtimeResolver } from './graphql/realtime.resolver';
import { createSchema } from './graphql/schema';
import { subscriptionHandler } from './graphql/subscriptions';
import { SessionResolver } from './graphql/session.resolver';
import { SudoGuard } from './graphql/sudo.guard';
import { UserResolver } from './graphql/user.resolver';
import { registerCors } from './http/cors';
import { registerHealthRoutes } from './http/health';
import { registerIdeRoutes } from './http/ide';
import { registerSocketRoute, registerWebsocket, socketRoute } from './http/websocket';
import { registerJwksRoute } from './http/jwks';
import { loggerOptions } from './http/logging';
import { registerMetricsRoute } from './http/metrics';
import { registerOAuthRoutes } from './http/oauth-callback';
import { OriginPolicy } from './http/origins';
import { createHttpServer } from './http/server';
import { Mailer } from './mail/mailer';
import { Outbox } from './mail/outbox';
import { Maintenance } from './maintenance/maintenance';
import { AccountResolution } from './federation/account-resolution';
import { FederationService } from './federation/federation.service';
import { FlowStore } from './federation/flow.store';
import { IdentityService } from './federation/identity.service';
import { IdentityStore } from './federation/identity.store';
import { createProvider, type GithubEndpoints } from './federation/providers';
import { MfaFactorStore } from './mfa/factor.store';
import { MfaService } from './mfa/mfa.service';
import { SecondFactor } from './mfa/second-factor';
import { MfaTicketStore } from './mfa/ticket.store';
import { Metrics } from './observability/metrics';
import { ChallengeStore } from './passkeys/challenge.store';
import { PasskeyLoginService, passkeyAccountEmail } from './passkeys/passkey-login.service';
import { PasskeyService } from './passkeys/passkey.service';
import { PasskeyStore } from './passkeys/passkey.store';
import { SecurityEventFeed } from './realtime/security-feed';
import { listenSource, pollingSource, type EventSource } from './realtime/sources';
import { SecurityLog } from './security/security-log';
import { SecurityEventReader, SecurityTimeline } from './security/timeline';
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
  /** This instance's realtime sockets and subscriptions; null with REALTIME_ENABLED=false. */
  readonly realtime: { counts(): { sockets: number; subscriptions: number } } | null;
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
  /**
   * Where GitHub's OAuth and API endpoints are: only tests set it, to a loopback stand-in that
   * serves GitHub's documented JSON. Deliberately not an environment variable.
   */
  github?: GithubEndpoints;
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
    // Realtime on PostgreSQL: each event NOTIFYs in its own transaction (the embedded database is polled instead).
    const securityLog = new SecurityLog(server.log, config.realtime.enabled && !database.isEmbedded ? config.realtime.channel : null);
    const sessions = new SessionStore(config.sessions, database.reads, new RefreshTokens(config.encryptionKey, config.encryptionKeyPrevious));
    const codes = new CodeStore(config.codes, securityLog);
    const tokens = new AccessTokens(config.jwt, keys.signing, keys.verifying);
    const issuer = new TokenIssuer(tokens);
    const mfaFactors = new MfaFactorStore();
    const mfaTickets = new MfaTicketStore();
    // The TOTP secrets at rest: AES-256-GCM under a key of their own derived from ENCRYPTION_KEY.
    const totpSeal = new SealRing(config.encryptionKey, config.encryptionKeyPrevious, 'girok totp secret');
    const passkeyStore = new PasskeyStore();
    const identities = new IdentityStore();
    const secondFactor = new SecondFactor({ factors: mfaFactors, passkeys: passkeyStore, seal: totpSeal, recoverySecret: config.codes.secret, securityLog });
    const webauthnChallenges = new ChallengeStore(config.webauthn.challengeTtl);
    const signIn = new SignIn({ sessions, factors: mfaFactors, tickets: mfaTickets, secondFactor, securityLog, issuer, passkeys: passkeyStore });
    const passkeys = new PasskeyService({
      settings: config.webauthn,
      passkeys: passkeyStore,
      challenges: webauthnChallenges,
      factors: mfaFactors,
      identities,
      securityLog,
      mailer,
      log: server.log,
    });
    const users = new UserStore(database.reads);
    const flows = new FlowStore();

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
      signIn,
    });
    const admin = new AdminService({ roles: config.roles, users, sessions, securityLog, log: server.log });
    const federation = new FederationService({
      settings: { callbackBase: config.federation.callbackBase, redirectUrls: config.federation.redirectUrls },
      providers: config.federation.providers.map((provider) => createProvider(provider, options.github)),
      flows,
      resolution: new AccountResolution({ identities, securityLog, mailer }),
      securityLog,
      signIn,
      log: server.log,
    });
    const resolvers = [
      new AuthResolver(
        registration,
        new LoginService({ users, hasher, securityLog, signIn }),
        new RefreshService({ sessions, securityLog, issuer }),
        new PasswordService({
          settings: { passwordMinLength: config.passwordMinLength },
          budgets,
          codes,
          hasher,
          mailer,
          sessions,
          securityLog,
          issuer,
          signIn,
        }),
      ),
      new SessionResolver(new SessionService({ sessions, securityLog })),
      new UserResolver(new SecurityTimeline()),
      new MfaResolver(
        new MfaService({
          settings: { appName: config.appName },
          factors: mfaFactors,
          passkeys: passkeyStore,
          tickets: mfaTickets,
          seal: totpSeal,
          recoverySecret: config.codes.secret,
          securityLog,
          mailer,
        }),
        signIn,
        new ReauthenticateService({ hasher, sessions, secondFactor, securityLog, issuer }),
        passkeys,
      ),
      new PasskeyResolver(
        passkeys,
        new PasskeyLoginService({
          settings: config.webauthn,
          passkeys: passkeyStore,
          challenges: webauthnChallenges,
          tickets: mfaTickets,
          sessions,
          signIn,
          securityLog,
          issuer,
          log: server.log,
        }),
      ),
      new RealtimeResolver(),
      new SudoGuard(config.mfa.reauthWindow),
      new AdminResolver(admin),
      new AccountResolver(
        new LoginCodeService({ budgets, codes, mailer, securityLog, signIn }),
        new EmailChangeService({ budgets, codes, mailer, securityLog }),
        new AccountDeletionService({ users, mailer, log: server.log }),
      ),
      new FederationResolver(federation, new IdentityService({ identities, passkeys: passkeyStore, securityLog, mailer }), config.mfa.reauthWindow),
    ];

    // The edges.
    const schema = await createSchema(resolvers);
    if (limits.enabled) {
      guardMutations(schema, new RateLimits(limits, limiterStore), {
        ofMfaToken: (em, token) => mfaTickets.ownerEmail(em, token),
        ofPasskeyAssertion: (em, challengeId, credentialId) =>
          passkeyAccountEmail(em, { passkeys: passkeyStore, challenges: webauthnChallenges }, challengeId, credentialId),
      });
    }
    registerHealthRoutes(server, database);
    registerJwksRoute(server, keys);
    registerOAuthRoutes(server, database, federation, config.federation.callbackBase);
    const authenticator = new Authenticator(tokens, sessions);
    // Realtime: graphql-ws on GET /graphql; @fastify/websocket must be in place before that route is added.
    let realtime: { feed: SecurityEventFeed; source: EventSource } | null = null;
    let socket;
    if (config.realtime.enabled) {
      const reader = new SecurityEventReader();
      const fork = () => database.fork();
      // Within the 1 s a closing socket has: a poll of the embedded database, or a notice's round trip, plus its send.
      const settleMs = database.isEmbedded ? config.realtime.embeddedPollMs + 100 : 100;
      const feed = new SecurityEventFeed({ fork, reader, authenticator, maxSocketsPerUser: config.realtime.maxSocketsPerUser, settleMs, log: server.log });
      const source = database.isEmbedded
        ? pollingSource(fork, reader, feed, config.realtime.embeddedPollMs, server.log)
        : listenSource(database.url, config.realtime.channel, feed, server.log);
      realtime = { feed, source };
      await registerWebsocket(server, config);
      socket = socketRoute(config, subscriptionHandler(schema, config, authenticator, feed));
    }
    if (config.http.graphqlIde) registerIdeRoutes(server, undefined, socket);
    else if (socket) registerSocketRoute(server, socket);
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
        { kind: 'mfa_tickets', purge: (em, limit) => mfaTickets.purgeSpent(em, limit) },
        { kind: 'webauthn_challenges', purge: (em, limit) => webauthnChallenges.purgeExpired(em, limit) },
        { kind: 'oauth_flows', purge: (em, limit) => flows.purgeEnded(em, limit) },
        { kind: 'security_events', purge: (em, limit) => securityLog.purgeOlderThan(em, retain.securityEventRetention, limit) },
        { kind: 'mail', purge: (em, limit) => outbox.purgeSettled(em, limit) },
      ],
    });
    if (metrics && (config.metrics.token || config.env !== 'production')) registerMetricsRoute(server, metrics, config.metrics.token);
    // In production a scrape endpoint is opened on purpose, never by default.
    else if (metrics) server.log.warn({}, 'GET /metrics is off: in production it needs METRICS_TOKEN (or set METRICS_ENABLED=false)');
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
      realtime: realtime?.feed ?? null,
      registration,
      admin,
      async listen() {
        // Templates compile here: a broken one stops boot before the port opens.
        await outbox.start();
        maintenance.start();
        await realtime?.source.start();
        const address = await server.listen({ port: config.http.port, host: config.http.host });
        return `${address.replace('[::1]', 'localhost')}/graphql`;
      },
      close() {
        closing ??= (async () => {
          await drain(server, config.http.shutdownTimeout);
          await maintenance.stop();
          await realtime?.source.stop();
          await realtime?.feed.settled();
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
