import { BadUserInputError } from '../errors';
import { isCommonPassword } from './common-passwords';

/** NIST SP 800-63B-4's floor; PASSWORD_MIN_LENGTH may raise it (NIST asks 15 for a password alone). */
export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 128;

/**
 * NIST 800-63B style: a length range counted in code points of the NFKC form (the form that is
 * hashed), no composition rules, never truncated; a password that is the account's own address
 * or on the common-password list is refused. Each refusal carries a `reason` the UI can show.
 */
export function checkPassword(password: unknown, email: string, field = 'password', minLength = PASSWORD_MIN_LENGTH): string {
  if (typeof password !== 'string') throw new BadUserInputError(field, 'Password must be a string');
  const normalized = password.normalize('NFKC');
  const length = [...normalized].length;
  if (length < minLength) {
    throw new BadUserInputError(field, `Password must be at least ${minLength} characters`, { reason: 'TOO_SHORT' });
  }
  if (length > PASSWORD_MAX_LENGTH) {
    throw new BadUserInputError(field, `Password must be at most ${PASSWORD_MAX_LENGTH} characters`, { reason: 'TOO_LONG' });
  }
  const lowered = normalized.toLowerCase();
  if (lowered === email || lowered === email.split('@')[0]) {
    throw new BadUserInputError(field, 'Password must not be your email address', { reason: 'MATCHES_EMAIL' });
  }
  if (isCommonPassword(normalized)) {
    throw new BadUserInputError(field, 'This password is too common; choose one that is harder to guess', { reason: 'TOO_COMMON' });
  }
  return password;
}
