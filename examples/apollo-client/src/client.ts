import { ApolloClient, ApolloLink, CombinedGraphQLErrors, HttpLink, InMemoryCache } from '@apollo/client';
import { ErrorLink } from '@apollo/client/link/error';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { getMainDefinition } from '@apollo/client/utilities';
import { Kind, OperationTypeNode } from 'graphql';
import { createClient } from 'graphql-ws';
import { from, mergeMap, throwError } from 'rxjs';
import { Refresher, type SessionEndedHandler } from './refresher';
import { MemoryTokenStore, type TokenStore } from './token-store';

export interface GirokClientOptions {
  /** The GraphQL endpoint, e.g. http://localhost:4000/graphql. */
  uri: string;
  store?: TokenStore;
  fetch?: typeof fetch;
  /** Called once when the refresh token is refused: send the person to the login screen. */
  onSessionEnded?: SessionEndedHandler;
  /** The realtime socket, e.g. ws://localhost:4000/graphql; without it, subscriptions are off. */
  wsUrl?: string;
  /** A WebSocket class where there is no global one (Node before 22: the `ws` package). */
  webSocketImpl?: unknown;
}

export interface GirokClient {
  client: ApolloClient;
  store: TokenStore;
  refresher: Refresher;
}

const RETRIED = 'girokRetriedAfterRefresh';
const SENT_WITH = 'girokAccessToken';

/**
 * An Apollo Client for Girok Auth. Links, outermost first:
 * - refresh on UNAUTHENTICATED: refresh once (shared with concurrent requests) and retry once;
 * - bearer: attach the access token, refreshing first when it is due (`me` answers null, not
 *   an error, for an expired token, so waiting for an error is not enough);
 * - HTTP.
 */
export function createGirokClient(options: GirokClientOptions): GirokClient {
  const store = options.store ?? new MemoryTokenStore();
  const fetchImpl = options.fetch ?? fetch;
  const refresher = new Refresher(options.uri, store, fetchImpl, options.onSessionEnded);

  const bearerLink = new ApolloLink((operation, forward) =>
    from(refresher.current()).pipe(
      mergeMap((pair) => {
        operation.setContext(({ headers = {} }: { headers?: Record<string, string> }) => ({
          [SENT_WITH]: pair?.accessToken ?? null,
          headers: pair ? { ...headers, authorization: `Bearer ${pair.accessToken}` } : headers,
        }));
        return forward(operation);
      }),
    ),
  );

  const refreshLink = new ErrorLink(({ error, operation, forward }) => {
    const unauthenticated = CombinedGraphQLErrors.is(error) && error.errors.some((e) => e.extensions?.code === 'UNAUTHENTICATED');
    const context = operation.getContext();
    if (!unauthenticated || context[RETRIED] || !context[SENT_WITH]) return;
    operation.setContext({ [RETRIED]: true });
    // Another request may have refreshed while this one was in flight: then just retry.
    const refreshed = store.get()?.accessToken !== context[SENT_WITH] ? Promise.resolve(store.get()) : refresher.refresh();
    return from(refreshed).pipe(mergeMap((pair) => (pair ? forward(operation) : throwError(() => error))));
  });

  const http = ApolloLink.from([refreshLink, bearerLink, new HttpLink({ uri: options.uri, fetch: fetchImpl })]);
  // Subscriptions go over graphql-ws; each new socket asks for the token again, refreshing it when due.
  const link = options.wsUrl
    ? ApolloLink.split(
        ({ query }) => {
          const definition = getMainDefinition(query);
          return definition.kind === Kind.OPERATION_DEFINITION && definition.operation === OperationTypeNode.SUBSCRIPTION;
        },
        new GraphQLWsLink(
          createClient({
            url: options.wsUrl,
            webSocketImpl: options.webSocketImpl,
            connectionParams: async () => {
              const pair = await refresher.current();
              return pair ? { authorization: `Bearer ${pair.accessToken}` } : {};
            },
          }),
        ),
        http,
      )
    : http;
  const client = new ApolloClient({ link, cache: new InMemoryCache() });
  return { client, store, refresher };
}
