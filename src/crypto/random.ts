import { randomBytes, randomInt } from 'node:crypto';

/** A 6-digit code, uniformly drawn (leading zeros kept). */
export function sixDigitCode(): string {
  return randomInt(0, 1_000_000).toString().padStart(6, '0');
}

/** An opaque token of 256 random bits, URL-safe. */
export function opaqueToken(): string {
  return randomBytes(32).toString('base64url');
}

/** `bytes` random bytes. */
export function randomKey(bytes = 32): Buffer {
  return randomBytes(bytes);
}
