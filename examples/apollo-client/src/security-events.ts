import type { ApolloClient } from '@apollo/client';
import { SecurityEventsDocument, type SecurityEventsSubscription } from './generated/graphql';

export type SecurityEvent = SecurityEventsSubscription['securityEvents'];

/**
 * Watches the signed-in account's security events (a login elsewhere, a revoked session…).
 * The server closes the socket with 4401: "Session ended" means this session is over (show
 * "you were signed out"); "Token expired" means subscribe again, with a fresh token; anything
 * else is retried a second later. Returns a function that stops watching.
 */
export function watchSecurityEvents(client: ApolloClient, handlers: { onEvent(event: SecurityEvent): void; onSignedOut(): void }): () => void {
  let subscription: { unsubscribe(): void } | null = null;
  let stopped = false;
  const failed = (error: unknown): void => {
    if (closeReason(error) === 'Session ended') handlers.onSignedOut();
    // An expired token, a deploy, a network blip: a new socket, with a token refreshed if due.
    else if (!stopped) setTimeout(start, closeReason(error) === 'Token expired' ? 0 : 1000);
  };
  const start = (): void => {
    subscription = client.subscribe({ query: SecurityEventsDocument }).subscribe({
      // Apollo Client 4 hands a subscription's error to `next`, as `error`.
      next: ({ data, error }) => {
        if (error) failed(error);
        else if (data) handlers.onEvent(data.securityEvents);
      },
      error: failed,
    });
  };
  start();
  return () => {
    stopped = true;
    subscription?.unsubscribe();
  };
}

/** The close reason GraphQLWsLink puts in its error ("Socket closed with event 4401 Session ended"). */
function closeReason(error: unknown): string | null {
  const message = error instanceof Error ? error.message : '';
  return /^Socket closed with event 4401 (.*)$/.exec(message)?.[1] ?? null;
}
