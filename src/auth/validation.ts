import { BadUserInputError } from '../errors';

/** RFC 5321 caps a forward path at 256 octets including the brackets; 254 is the address. */
const MAX_EMAIL_LENGTH = 254;
// Deliberately plain: one @, no whitespace or control characters, a dot in the domain.
const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/u;
// CR, LF and NUL would let a value break out of a mail header (nodemailer header injection).
const HEADER_BREAKERS = /[\r\n\0]/;

/** Trims and lowercases an address for identity; refuses anything that is not plainly one. */
export function parseEmail(value: unknown, field = 'email'): string {
  if (typeof value !== 'string') throw new BadUserInputError(field, 'Email must be a string');
  if (HEADER_BREAKERS.test(value)) throw new BadUserInputError(field, 'Email must not contain line breaks or NUL');
  const email = value.trim().toLowerCase();
  if (email.length === 0) throw new BadUserInputError(field, 'Email is required');
  if (email.length > MAX_EMAIL_LENGTH) throw new BadUserInputError(field, `Email must be at most ${MAX_EMAIL_LENGTH} characters`);
  if (!EMAIL_SHAPE.test(email) || /[\p{Cc}]/u.test(email)) throw new BadUserInputError(field, 'Email is not a valid address');
  return email;
}

/** A code is exactly six ASCII digits. */
export function parseCode(value: unknown, field = 'code'): string {
  if (typeof value !== 'string' || !/^\d{6}$/.test(value.trim())) {
    throw new BadUserInputError(field, 'Code must be the 6 digits from the email');
  }
  return value.trim();
}

/** An opaque refresh token: base64url, bounded so hostile input costs nothing to refuse. */
export function parseRefreshToken(value: unknown, field = 'refreshToken'): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 256 || !/^[A-Za-z0-9_-]+$/.test(value)) {
    throw new BadUserInputError(field, 'Refresh token is malformed');
  }
  return value;
}
