import type { IssuedSession } from '../sessions/session.store';
import type { ViewerUser } from '../viewer/viewer';
import type { AccessTokens } from './access-tokens';

/** What a client receives when it signs in or refreshes: the GraphQL `Token`, as plain data. */
export interface IssuedToken {
  accessToken: string;
  refreshToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
  user: ViewerUser;
}

/** Turns a started or rotated session into the token pair a client receives. */
export class TokenIssuer {
  constructor(private readonly tokens: AccessTokens) {}

  issue(session: IssuedSession): IssuedToken {
    return {
      accessToken: this.tokens.sign({
        userId: session.user.id,
        sessionId: session.sessionId,
        amr: session.amr,
        authTime: session.authTime,
        roles: session.user.roles,
      }),
      refreshToken: session.refreshToken,
      tokenType: 'Bearer',
      expiresIn: this.tokens.ttlSeconds,
      user: session.user,
    };
  }
}
