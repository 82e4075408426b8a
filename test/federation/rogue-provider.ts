import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import jwt from 'jsonwebtoken';
import type { TestPki } from './support';

/** How the rogue provider's next ID token is wrong. */
export type IdTokenFlaw = 'audience' | 'signature' | 'expired' | 'issuer' | null;

/**
 * An OpenID Provider that tells lies on purpose, over https with the test certificate: its
 * discovery, JWKS, authorization and token endpoints are well formed, but the ID token it hands
 * out can be for another audience, signed by a key its JWKS does not hold, expired, or from
 * another issuer. A real provider does not do that on request, which is why this one exists:
 * to show that our server checks each of these itself. It has no login page (it answers at once).
 */
export interface RogueProvider {
  issuer: string;
  flaw: IdTokenFlaw;
  close(): Promise<void>;
}

export async function startRogueProvider(pki: TestPki, client: { id: string; secret: string }): Promise<RogueProvider> {
  const published = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const unpublished = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = { ...published.publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'ES256', use: 'sig' };
  const codes = new Map<string, { nonce: string }>();
  const rogue = { flaw: null } as RogueProvider;

  const server = createServer({ key: pki.key, cert: pki.cert }, (request, response) => {
    handle(request, response).catch(() => response.writeHead(500).end());
  });
  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', rogue.issuer);
    const json = (status: number, body: unknown): void => void response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (url.pathname === '/.well-known/openid-configuration') {
      return json(200, {
        issuer: rogue.issuer,
        authorization_endpoint: `${rogue.issuer}/authorize`,
        token_endpoint: `${rogue.issuer}/token`,
        jwks_uri: `${rogue.issuer}/jwks`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['ES256'],
        code_challenge_methods_supported: ['S256'],
        token_endpoint_auth_methods_supported: ['client_secret_basic'],
      });
    }
    if (url.pathname === '/jwks') return json(200, { keys: [jwk] });
    if (url.pathname === '/authorize') {
      const code = randomBytes(16).toString('hex');
      codes.set(code, { nonce: url.searchParams.get('nonce') ?? '' });
      const back = new URL(url.searchParams.get('redirect_uri')!);
      back.searchParams.set('code', code);
      back.searchParams.set('state', url.searchParams.get('state') ?? '');
      response.writeHead(302, { location: back.toString() }).end();
      return;
    }
    if (url.pathname === '/token' && request.method === 'POST') {
      let body = '';
      for await (const chunk of request) body += String(chunk);
      const grant = codes.get(new URLSearchParams(body).get('code') ?? '');
      if (!grant) return json(400, { error: 'invalid_grant' });
      const now = Math.floor(Date.now() / 1000);
      const claims = {
        iss: rogue.flaw === 'issuer' ? 'https://someone-else.example' : rogue.issuer,
        sub: `rogue-${randomBytes(4).toString('hex')}`,
        aud: rogue.flaw === 'audience' ? 'another-client' : client.id,
        iat: now - 5,
        exp: rogue.flaw === 'expired' ? now - 3600 : now + 300,
        nonce: grant.nonce,
        email: `rogue-${randomBytes(4).toString('hex')}@example.test`,
        email_verified: true,
      };
      const key = rogue.flaw === 'signature' ? unpublished.privateKey : published.privateKey;
      const idToken = jwt.sign(claims, key.export({ format: 'pem', type: 'pkcs8' }), { algorithm: 'ES256', keyid: 'k1' });
      return json(200, { access_token: randomBytes(16).toString('hex'), token_type: 'Bearer', expires_in: 300, id_token: idToken });
    }
    json(404, { error: 'not_found' });
  }

  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  rogue.issuer = `https://localhost:${(server.address() as { port: number }).port}`;
  rogue.close = () => new Promise((done) => server.close(() => done()));
  return rogue;
}
