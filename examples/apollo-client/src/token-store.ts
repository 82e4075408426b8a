/** The tokens a signed-in client holds. */
export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  /** Epoch milliseconds after which the access token is refreshed before a request is sent. */
  refreshAt: number;
}

/** Where the client keeps its tokens: memory here; a browser app might use sessionStorage. */
export interface TokenStore {
  get(): TokenPair | null;
  set(pair: TokenPair | null): void;
}

/** Keeps the pair in memory (lost on reload, out of reach of other scripts' storage reads). */
export class MemoryTokenStore implements TokenStore {
  private pair: TokenPair | null = null;

  get(): TokenPair | null {
    return this.pair;
  }

  set(pair: TokenPair | null): void {
    this.pair = pair;
  }
}

/**
 * The pair from a Token payload. The refresh is due a little before the access token expires
 * (10% of its lifetime, at most 30 s), so a request rarely goes out with a token about to die.
 */
export function tokenPair(token: { accessToken: string; refreshToken: string; expiresIn: number }, now = Date.now()): TokenPair {
  const lifetime = token.expiresIn * 1000;
  return { accessToken: token.accessToken, refreshToken: token.refreshToken, refreshAt: now + lifetime - Math.min(30_000, lifetime / 10) };
}
