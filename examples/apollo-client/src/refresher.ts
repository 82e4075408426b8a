import { print } from 'graphql';
import { RefreshDocument, type RefreshMutation, type RefreshMutationVariables } from './generated/graphql';
import { tokenPair, type TokenPair, type TokenStore } from './token-store';

/** Why a refresh ended the session: the server's error code (UNAUTHENTICATED, TOKEN_REUSED, SESSION_REVOKED…). */
export type SessionEndedHandler = (code: string) => void;

/**
 * Exchanges the stored refresh token for a new pair. Concurrent callers share one request:
 * refresh tokens rotate, so two parallel refreshes with the same token would be a reuse.
 */
export class Refresher {
  private inFlight: Promise<TokenPair | null> | null = null;

  constructor(
    private readonly uri: string,
    private readonly store: TokenStore,
    private readonly fetchImpl: typeof fetch,
    private readonly onSessionEnded: SessionEndedHandler = () => {},
  ) {}

  /** The new pair, or null when the session is over (the store is cleared then). */
  refresh(): Promise<TokenPair | null> {
    this.inFlight ??= this.exchange().finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  /** A usable pair: the stored one, or a refreshed one if it is due. */
  async current(now = Date.now()): Promise<TokenPair | null> {
    const pair = this.store.get();
    if (!pair || now < pair.refreshAt) return pair;
    return this.refresh();
  }

  private async exchange(): Promise<TokenPair | null> {
    const spent = this.store.get();
    if (!spent) return null;
    // A plain request, outside the Apollo link chain, so a refresh never triggers a refresh.
    const variables: RefreshMutationVariables = { refreshToken: spent.refreshToken };
    const response = await this.fetchImpl(this.uri, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ operationName: 'Refresh', query: print(RefreshDocument), variables }),
    });
    const body = (await response.json()) as { data?: RefreshMutation | null; errors?: { extensions?: { code?: string } }[] };
    if (body.data?.refreshToken) {
      const pair = tokenPair(body.data.refreshToken);
      this.store.set(pair);
      return pair;
    }
    const code = body.errors?.[0]?.extensions?.code ?? 'UNAUTHENTICATED';
    // Network trouble or a rate limit is not the end of the session: keep the pair, fail this call.
    if (code === 'RATE_LIMITED' || code === 'INTERNAL_SERVER_ERROR') throw new Error(`refresh failed: ${code}`);
    this.store.set(null);
    this.onSessionEnded(code);
    return null;
  }
}
