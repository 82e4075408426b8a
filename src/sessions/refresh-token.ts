import { hkdfSync } from 'node:crypto';
import { hmacSha256Bytes, sameDigest } from '../crypto/digest';
import { BadUserInputError } from '../errors';

const VERSION = 1;
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
 * The MAC is HMAC-SHA256 under a key of the session's own, derived (HKDF) from ENCRYPTION_KEY
 * and the session id, so the server recognises any token of any session it ever issued, yet
 * the database holds nothing that could mint or recognise one. The session row keeps only the
 * current counter: a rotation is one UPDATE.
 */
export class RefreshTokens {
  /** `previous`: the ENCRYPTION_KEY being rotated out; its tokens still read, new ones use `secret`. */
  constructor(
    private readonly secret: Buffer,
    private readonly previous: Buffer | null = null,
  ) {}

  /** The token for a session at a counter (the same inputs always give the same token). */
  mint(sessionId: string, counter: bigint): string {
    const body = Buffer.alloc(1 + SESSION_ID_BYTES + COUNTER_BYTES);
    body.writeUInt8(VERSION, 0);
    Buffer.from(sessionId.replace(/-/g, ''), 'hex').copy(body, 1);
    body.writeBigUInt64BE(counter, 1 + SESSION_ID_BYTES);
    return Buffer.concat([body, this.mac(this.secret, sessionId, body)]).toString('base64url');
  }

  /** The claims of an authentic token; null for anything malformed, forged or of another server. */
  read(token: string): RefreshTokenClaims | null {
    const bytes = Buffer.from(token, 'base64url');
    if (bytes.length !== TOKEN_BYTES || bytes.readUInt8(0) !== VERSION || bytes.toString('base64url') !== token) return null;
    const hex = bytes.subarray(1, 1 + SESSION_ID_BYTES).toString('hex');
    const sessionId = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    const body = bytes.subarray(0, TOKEN_BYTES - MAC_BYTES);
    const mac = bytes.subarray(TOKEN_BYTES - MAC_BYTES);
    const authentic =
      sameDigest(mac, this.mac(this.secret, sessionId, body)) || (this.previous !== null && sameDigest(mac, this.mac(this.previous, sessionId, body)));
    if (!authentic) return null;
    return { sessionId, counter: body.readBigUInt64BE(1 + SESSION_ID_BYTES) };
  }

  private mac(secret: Buffer, sessionId: string, body: Buffer): Buffer {
    const key = Buffer.from(hkdfSync('sha256', secret, sessionId, 'girok refresh token', 32));
    return hmacSha256Bytes(key, body);
  }
}

/** A refresh token as a client sends it: base64url, bounded so hostile input costs nothing to refuse. */
export function parseRefreshToken(value: unknown, field = 'refreshToken'): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 256 || !/^[A-Za-z0-9_-]+$/.test(value)) {
    throw new BadUserInputError(field, 'Refresh token is malformed');
  }
  return value;
}
