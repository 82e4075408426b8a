import type { FastifyInstance } from 'fastify';
import type { KeyRing } from '../auth/keys';

/** `/.well-known/jwks.json`: the public keys other services verify our access tokens with. */
export function registerJwksRoute(server: FastifyInstance, keys: KeyRing): void {
  const body = JSON.stringify({ keys: keys.jwks });
  server.get('/.well-known/jwks.json', async (_request, reply) => {
    reply.header('cache-control', 'public, max-age=300').type('application/json');
    return body;
  });
}
