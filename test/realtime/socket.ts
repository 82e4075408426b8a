import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import type { App } from '../../src/app';

export const SECURITY_EVENTS = `subscription { securityEvents { id type createdAt ip userAgent sessionId } }`;

export interface SecurityEventMessage {
  id: string;
  type: string;
  createdAt: string;
  ip: string | null;
  userAgent: string | null;
  sessionId: string | null;
}

/** A graphql-ws client as an app runs it: what it received, and how its socket ended. */
export interface Subscriber {
  readonly events: SecurityEventMessage[];
  readonly errors: unknown[];
  /** Resolves with the close code and reason once the socket closes. */
  readonly closed: Promise<{ code: number; reason: string }>;
  /** Waits for an event that matches (already received ones count). */
  waitFor(match: (event: SecurityEventMessage) => boolean, timeoutMs?: number): Promise<SecurityEventMessage>;
  dispose(): Promise<void>;
}

/** The socket URL of a server's GraphQL endpoint. */
export function socketUrl(graphqlUrl: string): string {
  return graphqlUrl.replace(/^http/, 'ws');
}

/** A graphql-ws client that never retries, with `headers` (an Origin, say) on its upgrade. */
export function connect(
  graphqlUrl: string,
  connectionParams: Record<string, unknown> | undefined,
  headers: Record<string, string> = {},
): { client: Client; closed: Promise<{ code: number; reason: string }> } {
  let closedWith!: (value: { code: number; reason: string }) => void;
  const closed = new Promise<{ code: number; reason: string }>((resolve) => (closedWith = resolve));
  const client = createClient({
    url: socketUrl(graphqlUrl),
    webSocketImpl: class extends WebSocket {
      constructor(url: string, protocols: string | string[]) {
        super(url, protocols, { headers });
      }
    },
    connectionParams,
    lazy: false,
    retryAttempts: 0,
    on: {
      closed: (event) => {
        const { code, reason } = event as { code: number; reason: string | Buffer };
        closedWith({ code, reason: String(reason) });
      },
    },
    onNonLazyError: () => undefined,
  });
  return { client, closed };
}

/** Subscribes to `securityEvents` with an access token, and waits until the server runs the subscription. */
export async function subscribe(app: App, graphqlUrl: string, accessToken: string, headers: Record<string, string> = {}): Promise<Subscriber> {
  const before = app.realtime!.counts().subscriptions;
  const { client, closed } = connect(graphqlUrl, { authorization: `Bearer ${accessToken}` }, headers);
  const events: SecurityEventMessage[] = [];
  const errors: unknown[] = [];
  const waiters = new Set<() => void>();
  client.subscribe<{ securityEvents: SecurityEventMessage }>(
    { query: SECURITY_EVENTS },
    {
      next: (result) => {
        if (result.data) events.push(result.data.securityEvents);
        if (result.errors) errors.push(...result.errors);
        for (const wake of waiters) wake();
      },
      error: (error) => errors.push(error),
      complete: () => undefined,
    },
  );
  // A readiness point, not an assertion: an event committed before the server runs the subscription is not the subscriber's to see.
  await until(() => app.realtime!.counts().subscriptions > before, 5000, 'the subscription never started');
  return {
    events,
    errors,
    closed,
    waitFor(match, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = events.find(match);
          if (!found) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching event within ${timeoutMs} ms; got ${JSON.stringify(events)}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    dispose: () => client.dispose() as Promise<void>,
  };
}

/** Polls `condition` until it holds. */
export async function until(condition: () => boolean, timeoutMs: number, message: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(message);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
