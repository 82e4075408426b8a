import { BadUserInputError } from '../errors';
import { isCommonPassword } from './common-passwords';

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 128;

/**
 * NIST 800-63B style: a length range counted in code points, no composition rules, never
 * truncated; a password that is the account's own address or on the common-password list
 * is refused. Each refusal carries a `reason` the UI can show.
 */
export function checkPassword(password: unknown, email: string, field = 'password'): string {
  if (typeof password !== 'string') throw new BadUserInputError(field, 'Password must be a string');
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH) {
    throw new BadUserInputError(field, `Password must be at least ${PASSWORD_MIN_LENGTH} characters`, { reason: 'TOO_SHORT' });
  }
  if (length > PASSWORD_MAX_LENGTH) {
    throw new BadUserInputError(field, `Password must be at most ${PASSWORD_MAX_LENGTH} characters`, { reason: 'TOO_LONG' });
  }
  const lowered = password.toLowerCase();
  if (lowered === email || lowered === email.split('@')[0]) {
    throw new BadUserInputError(field, 'Password must not be your email address', { reason: 'MATCHES_EMAIL' });
  }
  if (isCommonPassword(password)) {
    throw new BadUserInputError(field, 'This password is too common; choose one that is harder to guess', { reason: 'TOO_COMMON' });
  }
  return password;
}
