import { createSecretKey, hkdfSync, type KeyObject } from 'node:crypto';
import { hmacSha256Bytes, sameDigest } from '../crypto/digest';
import { BadUserInputError } from '../errors';

const VERSION = 2;
/**
 * Tokens minted before version 2 MACed under a key derived per session (HKDF with the session
 * id as salt): two HKDFs per rotation, about 40 µs of CPU, for no security a single derived key
 * lacks (the session id is in the MACed body either way). They still read until the last of
 * them expires (SESSION_MAX_LIFETIME after the upgrade); then this path can go.
 */
const VERSION_PER_SESSION_KEY = 1;
const SESSION_ID_BYTES = 16;
const COUNTER_BYTES = 8;
const MAC_BYTES = 32;
const TOKEN_BYTES = 1 + SESSION_ID_BYTES + COUNTER_BYTES + MAC_BYTES;

/** What an authentic refresh token says: its session and its place in the session's rotation. */
export interface RefreshTokenClaims {
  sessionId: string;
  counter: bigint;
}

/**
 * Refresh tokens that need no row of their own: `version | session id | counter | MAC`, base64url.
 * The MAC is HMAC-SHA256 under a key derived (HKDF) from ENCRYPTION_KEY for this purpose alone,
 * over the version, session id and counter, so the server recognises any token of any session
 * it ever issued, yet the database holds nothing that could mint or recognise one. The session
 * row keeps only the current counter: a rotation is one UPDATE.
 */
export class RefreshTokens {
  private readonly key: KeyObject;
  private readonly previousKey: KeyObject | null;

  /** `previous`: the ENCRYPTION_KEY being rotated out; its tokens still read, new ones use `secret`. */
  constructor(
    private readonly secret: Buffer,
    private readonly previous: Buffer | null = null,
  ) {
    this.key = macKey(secret);
    this.previousKey = previous && macKey(previous);
  }

  /** The token for a session at a counter (the same inputs always give the same token). */
  mint(sessionId: string, counter: bigint): string {
    const body = Buffer.alloc(1 + SESSION_ID_BYTES + COUNTER_BYTES);
    body.writeUInt8(VERSION, 0);
    Buffer.from(sessionId.replace(/-/g, ''), 'hex').copy(body, 1);
    body.writeBigUInt64BE(counter, 1 + SESSION_ID_BYTES);
    return Buffer.concat([body, hmacSha256Bytes(this.key, body)]).toString('base64url');
  }

  /** The claims of an authentic token; null for anything malformed, forged or of another server. */
  read(token: string): RefreshTokenClaims | null {
    const bytes = Buffer.from(token, 'base64url');
    if (bytes.length !== TOKEN_BYTES || bytes.toString('base64url') !== token) return null;
    const version = bytes.readUInt8(0);
    if (version !== VERSION && version !== VERSION_PER_SESSION_KEY) return null;
    const hex = bytes.subarray(1, 1 + SESSION_ID_BYTES).toString('hex');
    const sessionId = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    const body = bytes.subarray(0, TOKEN_BYTES - MAC_BYTES);
    const mac = bytes.subarray(TOKEN_BYTES - MAC_BYTES);
    const authentic =
      version === VERSION
        ? sameDigest(mac, hmacSha256Bytes(this.key, body)) || (this.previousKey !== null && sameDigest(mac, hmacSha256Bytes(this.previousKey, body)))
        : sameDigest(mac, perSessionMac(this.secret, sessionId, body)) ||
          (this.previous !== null && sameDigest(mac, perSessionMac(this.previous, sessionId, body)));
    if (!authentic) return null;
    return { sessionId, counter: body.readBigUInt64BE(1 + SESSION_ID_BYTES) };
  }
}

function macKey(secret: Buffer): KeyObject {
  return createSecretKey(Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), 'girok refresh token mac', 32)));
}

/** The MAC of a version-1 token. */
function perSessionMac(secret: Buffer, sessionId: string, body: Buffer): Buffer {
  return hmacSha256Bytes(Buffer.from(hkdfSync('sha256', secret, sessionId, 'girok refresh token', 32)), body);
}

/** A refresh token as a client sends it: base64url, bounded so hostile input costs nothing to refuse. */
export function parseRefreshToken(value: unknown, field = 'refreshToken'): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 256 || !/^[A-Za-z0-9_-]+$/.test(value)) {
    throw new BadUserInputError(field, 'Refresh token is malformed');
  }
  return value;
}
