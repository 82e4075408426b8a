import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { MikroORM } from '@mikro-orm/postgresql';
import Fastify, { type FastifyInstance } from 'fastify';
import type { DestinationStream } from 'pino';
import type { GraphQLSchema } from 'graphql';
import { LoginService } from './auth/login.service';
import { PasswordService } from './auth/password.service';
import { PasswordHasher } from './auth/passwords';
import { RegistrationService } from './auth/registration.service';
import { loadKeyRing } from './auth/keys';
import { AccessTokens } from './auth/tokens';
import { CodeService } from './codes/code.service';
import type { Config } from './config';
import { RequestContext, type Services } from './context';
import { startEmbeddedDatabase, type EmbeddedDatabase } from './db/embedded';
import { migrate, ormOptions } from './db/orm';
import { mountGraphql } from './http/graphql';
import { registerHealthRoutes } from './http/health';
import { registerJwksRoute } from './http/jwks';
import { registerIdeRoutes } from './http/ide';
import { loggerOptions } from './http/logging';
import { registerMetricsRoute } from './http/metrics';
import { Outbox } from './mail/outbox';
import { Metrics } from './observability/metrics';
import { createSchema } from './schema';
import { guardMutations } from './abuse/guard-mutations';
import { LimiterStore } from './abuse/limiter-store';
import { RateLimits } from './abuse/rate-limits';
import { SessionService } from './sessions/session.service';

export interface App {
  readonly config: Config;
  readonly orm: MikroORM;
  readonly server: FastifyInstance;
  readonly schema: GraphQLSchema;
  readonly services: Services;
  readonly outbox: Outbox;
  /** Starts listening (and the mail worker); resolves to the GraphQL endpoint URL. */
  listen(): Promise<string>;
  /** Stops accepting, finishes in-flight requests and the in-flight mail, closes the database. */
  close(): Promise<void>;
}

export interface AppOptions {
  /** Where log lines go (tests capture them); stdout by default. */
  logStream?: DestinationStream;
}

// A request id from a proxy is kept only if it cannot smuggle anything into a log line.
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The composition root: config in, a ready server out. main.ts and every test call this. */
export async function createApp(config: Config, options: AppOptions = {}): Promise<App> {
  // Keys first: a bad key file stops boot before anything starts.
  const keys = loadKeyRing(config);
  const server = Fastify({
    logger: loggerOptions(config, options.logStream),
    trustProxy: config.http.trustProxy,
    bodyLimit: config.http.bodyLimit,
    genReqId: (request) => {
      const incoming = request.headers['x-request-id'];
      return typeof incoming === 'string' && SAFE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    },
  });
  server.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  const embedded: EmbeddedDatabase | null = config.database.url ? null : await startEmbeddedDatabase(config.dataDir);
  let orm: MikroORM | undefined;
  let limiterStore: LimiterStore | undefined;
  try {
    orm = await MikroORM.init(ormOptions(config.database.url ?? embedded!.url, config));
    if (config.database.migrateOnBoot) {
      const applied = await migrate(orm);
      if (applied.length) server.log.info({ migrations: applied }, 'applied database migrations');
    }

    const outbox = new Outbox({ orm, config, log: server.log, options: { leaseSeconds: config.mail.leaseSeconds } });
    const tokens = new AccessTokens(config.jwt, keys.signing, keys.verifying);
    const hasher = new PasswordHasher(config.argon2);
    const sessions = new SessionService(config.jwt);
    const codes = new CodeService(config.codes);
    const services: Services = {
      config,
      tokens,
      sessions,
      registration: new RegistrationService({ config, codes, hasher, outbox, sessions, tokens }),
      login: new LoginService({ hasher, sessions, tokens }),
      passwords: new PasswordService({ config, codes, hasher, outbox, sessions, tokens }),
    };

    const schema = await createSchema();
    limiterStore = await LimiterStore.open(config.redisUrl, server.log);
    if (config.rateLimit.enabled) guardMutations(schema, new RateLimits(config.rateLimit, limiterStore));
    registerHealthRoutes(server, orm);
    registerJwksRoute(server, keys);
    if (config.http.graphqlIde) registerIdeRoutes(server);
    const metrics = config.metrics.enabled ? new Metrics(orm) : null;
    if (metrics) registerMetricsRoute(server, metrics, config.metrics.token);
    const readyOrm = orm;
    await mountGraphql(server, schema, config, async (request) => new RequestContext(readyOrm.em.fork(), services, request), metrics ? [metrics.apolloPlugin()] : []);

    const readyLimiterStore = limiterStore;
    let closing: Promise<void> | undefined;
    return {
      config,
      orm,
      server,
      schema,
      services,
      outbox,
      async listen() {
        // Templates compile here: a broken one stops boot before the port opens.
        await outbox.start();
        const address = await server.listen({ port: config.http.port, host: config.http.host });
        return `${address.replace('[::1]', 'localhost')}/graphql`;
      },
      close() {
        closing ??= (async () => {
          // close() ends the connections idle at that moment; one busy then would stay kept
          // alive after its answer for as long as the client likes. Close each as it falls idle.
          const sweep = setInterval(() => server.server.closeIdleConnections(), 100);
          // A client that never finishes sending its request, or never reads its answer,
          // would hold the drain open for as long as it likes: past the deadline, cut it.
          const deadline = setTimeout(() => {
            server.log.warn({ timeoutSeconds: config.http.shutdownTimeout }, 'shutdown: cutting connections still busy after SHUTDOWN_TIMEOUT');
            server.server.closeAllConnections();
          }, config.http.shutdownTimeout * 1000);
          try {
            await server.close();
          } finally {
            clearInterval(sweep);
            clearTimeout(deadline);
          }
          await outbox.stop();
          await readyLimiterStore.close();
          await readyOrm.close(true);
          await embedded?.stop();
        })();
        return closing;
      },
    };
  } catch (error) {
    await limiterStore?.close();
    await orm?.close(true);
    await embedded?.stop();
    throw error;
  }
}
