import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { unwrapResolverError } from '@apollo/server/errors';
import fastifyApollo, { fastifyApolloDrainPlugin } from '@as-integrations/fastify';
import { InMemoryLRUCache } from '@apollo/utils.keyvaluecache';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { DocumentNode, GraphQLFormattedError, GraphQLSchema } from 'graphql';
import type { Config } from '../config';
import { ErrorCode, isClientError } from '../errors';
import type { RequestContext } from './context';
import { oneAuthMutationRule } from './one-auth-mutation.rule';
import { queryLimits } from './query-limits';

// Codes that Apollo and graphql-js raise for a malformed request: safe to show as they are.
const REQUEST_ERROR_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
]);

/**
 * Client errors keep their code and message; anything else becomes INTERNAL_SERVER_ERROR
 * with no stack, SQL or driver text (the cause is logged with the request id).
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  const code = formatted.extensions?.code;
  if (isClientError(original) || (original === error && typeof code === 'string' && REQUEST_ERROR_CODES.has(code))) {
    const { stacktrace: _stack, ...extensions } = formatted.extensions ?? {};
    return { ...formatted, extensions };
  }
  return {
    message: 'Internal server error',
    locations: formatted.locations,
    path: formatted.path,
    extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR },
  };
}

/** Logs each unexpected error once, with the request id the client got in `x-request-id`. */
const logUnexpectedErrors: ApolloServerPlugin<RequestContext> = {
  async requestDidStart() {
    return {
      async didEncounterErrors({ errors, contextValue, request }) {
        for (const error of errors) {
          const original = unwrapResolverError(error);
          if (isClientError(original)) continue;
          const code = error.extensions?.code;
          if (original === error && typeof code === 'string' && REQUEST_ERROR_CODES.has(code)) continue;
          contextValue?.log.error({ err: original, operation: request.operationName, path: error.path }, 'unexpected error in GraphQL request');
        }
      },
    };
  },
};

/** Mounts Apollo on `POST /graphql` with the context factory (and extra plugins, e.g. metrics). */
export async function mountGraphql(
  server: FastifyInstance,
  schema: GraphQLSchema,
  config: Config,
  context: (request: FastifyRequest) => Promise<RequestContext>,
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
    formatError,
    // Parsed, validated documents, bounded by count: each one is bounded by GRAPHQL_MAX_TOKENS.
    // (Apollo's default budget is 30 MiB of JSON text, while a parsed document in memory is
    // many times its JSON, so distinct anonymous queries grew the heap by hundreds of MiB.)
    documentStore: config.queryLimits.documentCacheSize ? boundedDocumentStore(config.queryLimits.documentCacheSize) : null,
    validationRules: [...limits.validationRules, oneAuthMutationRule],
    parseOptions: limits.parseOptions,
    plugins: [
      fastifyApolloDrainPlugin(server),
      // Hooks every field for nothing: this server sets no cache hints.
      ApolloServerPluginCacheControlDisabled(),
      ApolloServerPluginLandingPageDisabled(),
      logUnexpectedErrors,
      ...plugins,
      ...limits.plugins,
    ],
  });
  await apollo.start();
  await server.register(fastifyApollo(apollo), { path: '/graphql', method: ['POST'], context });
  return apollo;
}

function boundedDocumentStore(entries: number): InMemoryLRUCache<DocumentNode> {
  return new InMemoryLRUCache<DocumentNode>({ max: entries, maxSize: undefined, sizeCalculation: undefined });
}
