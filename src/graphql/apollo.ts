import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import fastifyApollo, { fastifyApolloDrainPlugin } from '@as-integrations/fastify';
import { InMemoryLRUCache } from '@apollo/utils.keyvaluecache';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { DocumentNode, GraphQLSchema } from 'graphql';
import type { Config } from '../config';
import type { RequestContext } from './context';
import { errorFormatter, logErrors } from './errors';
import { oneAuthMutationRule } from './one-auth-mutation.rule';
import { queryLimits } from './query-limits';

/** Mounts Apollo on `POST /graphql` with the context factory (and extra plugins, e.g. metrics). */
export async function mountGraphql(
  server: FastifyInstance,
  schema: GraphQLSchema,
  config: Config,
  context: (request: FastifyRequest, reply: FastifyReply) => Promise<RequestContext>,
  plugins: ApolloServerPlugin<RequestContext>[] = [],
): Promise<ApolloServer<RequestContext>> {
  const limits = queryLimits(config);
  const apollo = new ApolloServer<RequestContext>({
    schema,
    introspection: config.http.introspection,
    csrfPrevention: true,
    allowBatchedHttpRequests: false,
    includeStacktraceInErrorResponses: false,
    // main.ts drains on SIGTERM (server.close stops Apollo through the drain plugin); Apollo's own
    // handler would re-raise the signal and kill the process mid-drain.
    stopOnTerminationSignals: false,
    formatError: errorFormatter({ maskSuggestions: !config.http.introspection }),
    documentStore: config.queryLimits.documentCacheMb ? boundedDocumentStore(config.queryLimits.documentCacheMb) : null,
    validationRules: [...limits.validationRules, oneAuthMutationRule],
    parseOptions: limits.parseOptions,
    plugins: [
      fastifyApolloDrainPlugin(server),
      // Hooks every field for nothing: this server sets no cache hints.
      ApolloServerPluginCacheControlDisabled(),
      ApolloServerPluginLandingPageDisabled(),
      logErrors,
      ...plugins,
      ...limits.plugins,
    ],
  });
  await apollo.start();
  await server.register(fastifyApollo(apollo), { path: '/graphql', method: ['POST'], context });
  return apollo;
}

/**
 * Measured here (graphql 16, Node 20): a parsed, validated document takes 110 to 240 bytes of
 * heap per character of its source text, 3 to 5 times the JSON length Apollo's default cache
 * counts, so its "30 MiB" let distinct anonymous queries grow the heap by 100-150 MiB.
 */
const HEAP_BYTES_PER_SOURCE_CHAR = 250;

/** Parsed, validated documents kept for reuse, bounded by an honest estimate of the heap they take. */
function boundedDocumentStore(megabytes: number): InMemoryLRUCache<DocumentNode> {
  return new InMemoryLRUCache<DocumentNode>({
    maxSize: megabytes * 2 ** 20,
    sizeCalculation: (document) => Math.max(1, (document.loc?.source.body.length ?? 1000) * HEAP_BYTES_PER_SOURCE_CHAR),
  });
}
