import type { ApolloClient } from '@apollo/client';
import { SecurityEventsDocument, type SecurityEventsSubscription } from './generated/graphql';

export type SecurityEvent = SecurityEventsSubscription['securityEvents'];

/**
 * Watches the signed-in account's security events (a login elsewhere, a revoked session…).
 * The server closes the socket with 4401: "Session ended" means this session is over (show
 * "you were signed out"); "Token expired" means subscribe again, with a fresh token.
 * Returns a function that stops watching.
 */
export function watchSecurityEvents(client: ApolloClient, handlers: { onEvent(event: SecurityEvent): void; onSignedOut(): void }): () => void {
  let subscription: { unsubscribe(): void } | null = null;
  const start = (): void => {
    subscription = client.subscribe({ query: SecurityEventsDocument }).subscribe({
      next: ({ data }) => {
        if (data) handlers.onEvent(data.securityEvents);
      },
      error: (error: unknown) => {
        const reason = (error as { reason?: string } | null)?.reason;
        if (reason === 'Token expired') start();
        else handlers.onSignedOut();
      },
    });
  };
  start();
  return () => subscription?.unsubscribe();
}
