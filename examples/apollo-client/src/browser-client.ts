import { ApolloClient, ApolloLink, CombinedGraphQLErrors, HttpLink, InMemoryCache } from '@apollo/client';
import { ErrorLink } from '@apollo/client/link/error';
import { from, mergeMap, throwError } from 'rxjs';
import { COOKIE_DELIVERY, CookieSession } from './cookie-session';
import type { SessionEndedHandler } from './refresher';

export interface BrowserClientOptions {
  /** The GraphQL endpoint; its origin must be the page's own or listed in the server's CORS_ORIGINS. */
  uri: string;
  fetch?: typeof fetch;
  /** Called once when the session ends (logged out elsewhere, revoked, expired): show the sign-in screen. */
  onSessionEnded?: SessionEndedHandler;
}

export interface BrowserClient {
  client: ApolloClient;
  session: CookieSession;
}

const RETRIED = 'girokRetriedAfterRefresh';
const SENT_WITH = 'girokAccessToken';

/**
 * An Apollo Client for a web app in cookie mode: every request is credentialed and asks for
 * cookie delivery, so sign-ins set the HttpOnly refresh cookie and `Token.refreshToken` stays
 * null; the access token is attached from memory, refreshed first when due, and once more on
 * UNAUTHENTICATED. Mobile and server clients use `createGirokClient` (bearer mode) instead.
 */
export function createBrowserClient(options: BrowserClientOptions): BrowserClient {
  const fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
  const session = new CookieSession(options.uri, fetchImpl, options.onSessionEnded);

  const bearerLink = new ApolloLink((operation, forward) =>
    from(session.accessToken()).pipe(
      mergeMap((accessToken) => {
        operation.setContext(({ headers = {} }: { headers?: Record<string, string> }) => ({
          [SENT_WITH]: accessToken,
          headers: accessToken ? { ...headers, authorization: `Bearer ${accessToken}` } : headers,
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
    const held = session.current;
    // Another request (or tab) may have refreshed while this one was in flight: then just retry.
    const refreshed = held && held.accessToken !== context[SENT_WITH] ? Promise.resolve(held) : session.refresh();
    return from(refreshed).pipe(mergeMap((grant) => (grant ? forward(operation) : throwError(() => error))));
  });

  const client = new ApolloClient({
    link: ApolloLink.from([
      refreshLink,
      bearerLink,
      new HttpLink({ uri: options.uri, fetch: fetchImpl, credentials: 'include', headers: { ...COOKIE_DELIVERY } }),
    ]),
    cache: new InMemoryCache(),
  });
  return { client, session };
}
