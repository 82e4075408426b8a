import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type JsonWebKey, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, type JwtConfig } from '../config';
import { hmacSigningKey, type JwtKey } from './access-tokens';

/** The key that signs new tokens, the retired ones that still verify, and what JWKS publishes. */
export interface KeyRing {
  signing: JwtKey;
  verifying: JwtKey[];
  /** Public keys only; empty for HS256, whose secret must never be published. */
  jwks: JsonWebKey[];
}

/** Builds every key once at boot, as KeyObjects. */
export function loadKeyRing(config: { jwt: JwtConfig; dataDir: string }): KeyRing {
  const { jwt } = config;
  if (jwt.algorithm === 'HS256') return { signing: hmacSigningKey(jwt.secret), verifying: [], jwks: [] };
  if (jwt.algorithm !== 'ES256') {
    // jsonwebtoken 9 (via jwa) signs ES/RS/PS/HS only; EdDSA would need a second JWT library.
    throw new ConfigError('JWT_ALGORITHM', `${jwt.algorithm} is not supported by this server's JWT library; use ES256 or HS256`);
  }
  const privateKey = createPrivateKey(readPem(jwt.privateKeyFile ?? developmentKeyFile(config.dataDir), 'JWT_PRIVATE_KEY_FILE'));
  assertP256(privateKey, 'JWT_PRIVATE_KEY_FILE');
  const signingPublic = createPublicKey(privateKey);
  const signing: JwtKey = { kid: thumbprint(signingPublic), algorithm: 'ES256', key: privateKey };
  const retired = jwt.retiredPublicKeyFiles.map((file) => {
    const key = createPublicKey(readPem(file, 'JWT_RETIRED_PUBLIC_KEY_FILES'));
    assertP256(key, 'JWT_RETIRED_PUBLIC_KEY_FILES');
    return { kid: thumbprint(key), algorithm: 'ES256' as const, key };
  });
  const publicKeys = [{ kid: signing.kid, key: signingPublic }, ...retired];
  return {
    signing,
    // The signing entry verifies with its public half; jsonwebtoken accepts either.
    verifying: [{ ...signing, key: signingPublic }, ...retired],
    jwks: publicKeys.map(({ kid, key }) => ({ ...key.export({ format: 'jwk' }), kid, alg: 'ES256', use: 'sig' })),
  };
}

/** RFC 7638 JWK thumbprint: a kid any verifier can recompute from the public key. */
function thumbprint(key: KeyObject): string {
  const { crv, kty, x, y } = key.export({ format: 'jwk' });
  return createHash('sha256').update(JSON.stringify({ crv, kty, x, y })).digest('base64url');
}

function assertP256(key: KeyObject, variable: string): void {
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new ConfigError(variable, 'must hold a P-256 (prime256v1) EC key in PEM for ES256');
  }
}

function readPem(file: string, variable: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    throw new ConfigError(variable, `cannot read ${file}`);
  }
}

/** In development, an ES256 key is generated once under the data directory. */
function developmentKeyFile(dataDir: string): string {
  const file = join(dataDir, 'jwt-es256.pem');
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    writeFileSync(file, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
  }
  return file;
}
