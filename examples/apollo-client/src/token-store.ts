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
 * The pair from a Token payload (bearer mode: the refresh token is in the body). The refresh is
 * due a little before the access token expires (10% of its lifetime, at most 30 s), so a
 * request rarely goes out with a token about to die.
 */
export function tokenPair(token: { accessToken: string; refreshToken: string | null; expiresIn: number }, now = Date.now()): TokenPair {
  if (token.refreshToken === null) throw new Error('No refresh token in the answer: a bearer client must not send x-token-delivery: cookie');
  return { accessToken: token.accessToken, refreshToken: token.refreshToken, refreshAt: refreshDue(token.expiresIn, now) };
}

/** Epoch milliseconds at which an access token that lives `expiresIn` seconds is due for a refresh. */
export function refreshDue(expiresIn: number, now = Date.now()): number {
  const lifetime = expiresIn * 1000;
  return now + lifetime - Math.min(30_000, lifetime / 10);
}
