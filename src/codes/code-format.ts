import { BadUserInputError } from '../errors';

/** A code is exactly six ASCII digits (surrounding spaces forgiven). */
export function parseCode(value: unknown, field = 'code'): string {
  if (typeof value !== 'string' || !/^\d{6}$/.test(value.trim())) {
    throw new BadUserInputError(field, 'Code must be the 6 digits from the email');
  }
  return value.trim();
}
