import { randomInt } from 'node:crypto';
import { hmacSha256 } from '../crypto/digest';

/** Recovery codes handed out at once; each works once. */
export const RECOVERY_CODE_COUNT = 10;
// No 0/o, 1/l/i: read off paper and typed back without doubt. 31 symbols, 10 of them: ~49 bits.
const ALPHABET = '23456789abcdefghjkmnpqrstuvwxyz';
const LENGTH = 10;

/** Ten new recovery codes, shown as `xxxxx-xxxxx`. */
export function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const chars = Array.from({ length: LENGTH }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
    return `${chars.slice(0, 5)}-${chars.slice(5)}`;
  });
}

/** A recovery code as typed (any case, spaces or dashes anywhere) in its one form, or null when it cannot be one. */
export function normalizeRecoveryCode(value: string): string | null {
  const compact = value.toLowerCase().replace(/[\s-]/g, '');
  return compact.length === LENGTH && [...compact].every((c) => ALPHABET.includes(c)) ? compact : null;
}

/** How a recovery code is stored: HMAC-SHA256 under CODE_SECRET, bound to its account. */
export function recoveryCodeDigest(secret: Buffer, userId: string, normalized: string): Buffer {
  return hmacSha256(secret, `recovery:${userId}:${normalized}`);
}
