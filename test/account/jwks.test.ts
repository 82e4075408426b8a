import { createPublicKey, generateKeyPairSync, type JsonWebKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jwt from 'jsonwebtoken';
import { loadKeyRing } from '../../src/auth/keys';
import { startTestServer, type TestServer } from '../support/server';
import { ME, bearer, createVerifiedUser, type TokenPayload } from '../support/flows';

const keysDir = mkdtempSync(join(tmpdir(), 'girok-keys-'));
afterAll(() => rmSync(keysDir, { recursive: true, force: true }));

function writeKeyPair(name: string) {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const privateFile = join(keysDir, `${name}.pem`);
  const publicFile = join(keysDir, `${name}.pub.pem`);
  writeFileSync(privateFile, privateKey.export({ format: 'pem', type: 'pkcs8' }));
  writeFileSync(publicFile, publicKey.export({ format: 'pem', type: 'spki' }));
  return { privateKey, publicKey, privateFile, publicFile };
}

describe('ES256 signing with a JWKS', () => {
  const current = writeKeyPair('current');
  const retired = writeKeyPair('retired');
  let server: TestServer;
  let token: TokenPayload;
  let jwks: { keys: (JsonWebKey & { kid: string; alg: string })[] };

  beforeAll(async () => {
    server = await startTestServer({
      JWT_ALGORITHM: 'ES256',
      JWT_PRIVATE_KEY_FILE: current.privateFile,
      JWT_RETIRED_PUBLIC_KEY_FILES: retired.publicFile,
    });
    token = (await createVerifiedUser(server)).token;
    jwks = (await (await fetch(new URL('/.well-known/jwks.json', server.url))).json()) as typeof jwks;
  });
  afterAll(() => server?.close());

  it('publishes the current and the retired public keys, each with its kid', () => {
    expect(jwks.keys).toHaveLength(2);
    for (const key of jwks.keys) {
      expect(key).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
      expect(key).not.toHaveProperty('d');
    }
  });

  it('signs access tokens a third party verifies with the key from the JWKS alone', () => {
    const { header } = jwt.decode(token.accessToken, { complete: true })!;
    expect(header).toMatchObject({ alg: 'ES256', typ: 'at+jwt' });
    const jwk = jwks.keys.find((k) => k.kid === header.kid)!;
    expect(jwk).toBeDefined();
    const claims = jwt.verify(token.accessToken, createPublicKey({ key: jwk, format: 'jwk' }), {
      algorithms: ['ES256'],
      issuer: 'girok-auth',
      audience: 'girok',
    }) as jwt.JwtPayload;
    expect(claims.sub).toBe(token.user.id);
  });

  it('still accepts a token signed with a retired key until it expires', async () => {
    const { payload } = jwt.decode(token.accessToken, { complete: true })!;
    const retiredKid = jwks.keys.find((k) => k.kid !== jwt.decode(token.accessToken, { complete: true })!.header.kid)!.kid;
    const { exp: _exp, iat: _iat, ...claims } = payload as jwt.JwtPayload;
    const sign = (expiresIn: number) =>
      jwt.sign(claims, retired.privateKey, { algorithm: 'ES256', expiresIn, header: { alg: 'ES256', typ: 'at+jwt', kid: retiredKid } });
    expect((await server.gql(ME, {}, bearer(sign(60)))).data?.me.id).toBe(token.user.id);
    expect((await server.gql(ME, {}, bearer(sign(-1)))).data?.me).toBeNull();
  });

  it('refuses an HS256 token keyed with the public key (algorithm confusion)', async () => {
    const { header, payload } = jwt.decode(token.accessToken, { complete: true })!;
    const { exp: _exp, iat: _iat, ...claims } = payload as jwt.JwtPayload;
    const publicPem = current.publicKey.export({ format: 'pem', type: 'spki' }) as string;
    const forged = jwt.sign(claims, Buffer.from(publicPem), { algorithm: 'HS256', expiresIn: 60, header: { alg: 'HS256', typ: 'at+jwt', kid: header.kid } });
    expect((await server.gql(ME, {}, bearer(forged))).data?.me).toBeNull();
  });
});

describe('HS256 (the default)', () => {
  it('publishes no key: the shared secret never appears in the JWKS', async () => {
    const server = await startTestServer();
    try {
      const body = await (await fetch(new URL('/.well-known/jwks.json', server.url))).json();
      expect(body).toEqual({ keys: [] });
    } finally {
      await server.close();
    }
  });
});

describe('ES256 in development without a key file', () => {
  it('generates one under the data directory and keeps it across restarts', async () => {
    const first = await startTestServer({ JWT_ALGORITHM: 'ES256' });
    const dataDir = first.dataDir;
    const kidOf = async (server: TestServer) =>
      ((await (await fetch(new URL('/.well-known/jwks.json', server.url))).json()) as { keys: { kid: string }[] }).keys[0].kid;
    try {
      expect(createPublicKey(readFileSync(join(dataDir, 'jwt-es256.pem'))).asymmetricKeyType).toBe('ec');
      const kid = await kidOf(first);
      expect(loadKeyRing({ dataDir, jwt: first.app.config.jwt }).signing.kid).toBe(kid);
    } finally {
      await first.close();
    }
  });
});
