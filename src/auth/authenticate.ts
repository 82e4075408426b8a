import type { SessionStore } from '../sessions/session.store';
import type { Viewer } from '../viewer/viewer';
import type { AccessTokens } from './access-tokens';

/**
 * The one authentication path, called by every edge (the GraphQL context over HTTP, later
 * websockets): verify the access JWT, then load its user and check its session is alive in
 * one query, so logout and revocation hold at once, on every instance.
 */
export class Authenticator {
  constructor(
    private readonly tokens: AccessTokens,
    private readonly sessions: SessionStore,
  ) {}

  /** The viewer behind an `Authorization` header value, or null for anything but a live token. */
  async authenticate(authorization: string | undefined): Promise<Viewer | null> {
    return (await this.authenticateUntil(authorization))?.viewer ?? null;
  }

  /** Like `authenticate`, with when the token expires (a realtime socket is closed then). */
  async authenticateUntil(authorization: string | undefined): Promise<{ viewer: Viewer; expiresAt: Date } | null> {
    const token = bearerToken(authorization);
    const claims = token ? this.tokens.verify(token) : null;
    if (!claims) return null;
    const user = await this.sessions.findViewer(claims.userId, claims.sessionId);
    return user ? { viewer: { user, sessionId: claims.sessionId, authTime: claims.authTime, amr: claims.amr }, expiresAt: claims.expiresAt } : null;
  }
}

function bearerToken(header: string | undefined): string | null {
  if (!header || header.length > 4096) return null;
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
  return match ? match[1] : null;
}
