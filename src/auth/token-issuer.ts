import type { IssuedSession } from '../sessions/session.service';
import type { Token } from './auth.types';
import type { AccessTokens } from './tokens';

/** Turns a started or rotated session into the Token a client receives. */
export function toToken(tokens: AccessTokens, issued: IssuedSession): Token {
  return {
    accessToken: tokens.sign({ userId: issued.user.id, sessionId: issued.sessionId }),
    refreshToken: issued.refreshToken,
    tokenType: 'Bearer',
    expiresIn: tokens.ttlSeconds,
    user: issued.user,
  };
}
