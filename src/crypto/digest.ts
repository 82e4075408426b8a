import { createHash, createHmac, timingSafeEqual, type KeyObject } from 'node:crypto';

/** SHA-256 of a string's UTF-8 bytes. */
export function sha256(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** HMAC-SHA256 of a string's UTF-8 bytes under `key`. */
export function hmacSha256(key: Buffer, value: string): Buffer {
  return createHmac('sha256', key).update(value).digest();
}

/** Constant-time equality for digests (false, in constant time, when the lengths differ). */
export function sameDigest(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** HMAC-SHA256 of raw bytes under `key`. */
export function hmacSha256Bytes(key: Buffer | KeyObject, value: Buffer): Buffer {
  return createHmac('sha256', key).update(value).digest();
}
