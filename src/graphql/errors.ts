import type { ApolloServerPlugin } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { ErrorCode, isClientError } from '../errors';
import type { RequestContext } from './context';

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
 * `client`: raised on purpose for the client (src/errors.ts). `request`: the request itself is
 * malformed (parse, validation, a persisted-query hash that does not match, an operation this
 * endpoint does not run): the client's mistake, raised by Apollo or graphql-js before any
 * resolver. `unexpected`: everything else, a fault of ours.
 */
export function classifyError(error: unknown): 'client' | 'request' | 'unexpected' {
  const original = unwrapResolverError(error);
  if (isClientError(original)) return 'client';
  if (original !== error || !(error instanceof GraphQLError)) return 'unexpected';
  const code = error.extensions.code;
  if (typeof code === 'string') return REQUEST_ERROR_CODES.has(code) ? 'request' : 'unexpected';
  // Apollo's own request checks raise coded errors or plain GraphQLErrors outside execution.
  return error.path === undefined && error.originalError === undefined ? 'request' : 'unexpected';
}

/**
 * Client and request errors keep their message (request errors get BAD_REQUEST when they had
 * no code); anything else becomes INTERNAL_SERVER_ERROR with no stack, SQL or driver text (the
 * cause is logged with the request id). With `maskSuggestions` (introspection off), graphql-js's
 * "Did you mean …?" hints are cut, so they cannot map the schema's fields and enum values.
 */
export function errorFormatter(options: { maskSuggestions: boolean }): (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError {
  return (formatted, error) => {
    const kind = classifyError(error);
    if (kind === 'unexpected') {
      return { message: 'Internal server error', locations: formatted.locations, path: formatted.path, extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } };
    }
    const { stacktrace: _stack, ...extensions } = formatted.extensions ?? {};
    if (kind === 'request' && (extensions.code === undefined || extensions.code === ErrorCode.INTERNAL_SERVER_ERROR)) extensions.code = 'BAD_REQUEST';
    const message = options.maskSuggestions ? formatted.message.replace(/\s*Did you mean [^?]*\?/g, '') : formatted.message;
    return { ...formatted, message, extensions };
  };
}

/**
 * Logs each error once with the request id the client got in `x-request-id`: a fault of ours
 * at error level, a client's malformed request at debug (anyone can send those, and they must
 * not fill the error log).
 */
export const logErrors: ApolloServerPlugin<RequestContext> = {
  async requestDidStart() {
    return {
      async didEncounterErrors({ errors, contextValue, request }) {
        for (const error of errors) {
          const kind = classifyError(error);
          if (kind === 'client') continue;
          const about = { err: unwrapResolverError(error), operation: request.operationName, path: error.path };
          if (kind === 'request') contextValue?.log.debug(about, 'malformed GraphQL request');
          else contextValue?.log.error(about, 'unexpected error in GraphQL request');
        }
      },
    };
  },
};
