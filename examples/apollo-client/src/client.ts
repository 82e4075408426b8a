import { ApolloClient, ApolloLink, CombinedGraphQLErrors, HttpLink, InMemoryCache } from '@apollo/client';
import { ErrorLink } from '@apollo/client/link/error';
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

  const client = new ApolloClient({
    link: ApolloLink.from([refreshLink, bearerLink, new HttpLink({ uri: options.uri, fetch: fetchImpl })]),
    cache: new InMemoryCache(),
  });
  return { client, store, refresher };
}
