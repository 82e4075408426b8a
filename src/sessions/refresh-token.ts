import { BadUserInputError } from '../errors';

/** An opaque refresh token as a client sends it: base64url, bounded so hostile input costs nothing to refuse. */
export function parseRefreshToken(value: unknown, field = 'refreshToken'): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 256 || !/^[A-Za-z0-9_-]+$/.test(value)) {
    throw new BadUserInputError(field, 'Refresh token is malformed');
  }
  return value;
}
