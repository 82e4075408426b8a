import { createHash, createSecretKey, type KeyObject } from 'node:crypto';
import jwt, { type Algorithm } from 'jsonwebtoken';
import type { JwtConfig } from '../config';
import type { AuthMethod } from '../viewer/viewer';

/** What a verified access token says. */
export interface AccessClaims {
  userId: string;
  sessionId: string;
  /** RFC 8176 methods that authenticated the session (`amr`). */
  amr: readonly AuthMethod[];
  /** When the person last authenticated, in seconds (`auth_time`, as in OpenID Connect). */
  authTime: number;
  /** The `roles` claim: for downstream services. This server reads roles live, never from it. */
  roles?: readonly string[];
}

/** The claims of a verified token, with when it expires. */
export interface VerifiedClaims extends AccessClaims {
  expiresAt: Date;
}

/** A signing or verifying key; `algorithm` is the only one accepted for its `kid`. */
export interface JwtKey {
  kid: string;
  algorithm: Algorithm;
  key: KeyObject;
}

/** Signs and verifies access JWTs. Keys are KeyObjects built once: verify then costs µs, not 100s of µs. */
export class AccessTokens {
  private readonly byKid: Map<string, JwtKey>;

  constructor(
    private readonly settings: JwtConfig,
    private readonly signing: JwtKey,
    verifying: JwtKey[],
  ) {
    this.byKid = new Map([signing, ...verifying].map((k) => [k.kid, k]));
  }

  get ttlSeconds(): number {
    return this.settings.accessTtl;
  }

  sign(claims: AccessClaims): string {
    return jwt.sign({ sid: claims.sessionId, amr: claims.amr, auth_time: claims.authTime, roles: claims.roles ?? [] }, this.signing.key, {
      algorithm: this.signing.algorithm,
      subject: claims.userId,
      issuer: this.settings.issuer,
      audience: this.settings.audience,
      expiresIn: this.settings.accessTtl,
      header: { alg: this.signing.algorithm, typ: 'at+jwt', kid: this.signing.kid },
    });
  }

  /** Returns the claims of a valid token, or null for anything forged, expired or malformed. */
  verify(token: string): VerifiedClaims | null {
    const header = decodeHeader(token);
    const key = header && typeof header.kid === 'string' ? this.byKid.get(header.kid) : undefined;
    // The key's own algorithm is the whole allow-list: `none` and algorithm confusion fail here.
    if (!key || header!.alg !== key.algorithm || header!.typ !== 'at+jwt') return null;
    try {
      const payload = jwt.verify(token, key.key, {
        algorithms: [key.algorithm],
        issuer: this.settings.issuer,
        audience: this.settings.audience,
      });
      if (typeof payload !== 'object' || typeof payload.sub !== 'string' || typeof payload.sid !== 'string' || typeof payload.exp !== 'number') return null;
      const amr = Array.isArray(payload.amr) ? payload.amr.filter((m): m is AuthMethod => typeof m === 'string') : [];
      // A token without auth_time (signed before it existed) is as old as can be: never recent.
      const authTime = typeof payload.auth_time === 'number' ? payload.auth_time : 0;
      return { userId: payload.sub, sessionId: payload.sid, amr, authTime, expiresAt: new Date(payload.exp * 1000) };
    } catch {
      return null;
    }
  }
}

function decodeHeader(token: string): Record<string, unknown> | null {
  const dot = token.indexOf('.');
  if (dot <= 0 || dot > 512) return null;
  try {
    const header: unknown = JSON.parse(Buffer.from(token.slice(0, dot), 'base64url').toString('utf8'));
    return header && typeof header === 'object' ? (header as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** The HS256 key from JWT_SECRET's bytes, with a `kid` that names it without revealing it. */
export function hmacSigningKey(secret: Buffer): JwtKey {
  const kid = createHash('sha256').update('girok-kid:').update(secret).digest('base64url').slice(0, 16);
  return { kid, algorithm: 'HS256', key: createSecretKey(secret) };
}
