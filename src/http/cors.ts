import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';
import type { OriginPolicy } from './origins';

/** The request headers a browser app may send cross-origin (Apollo Client's, the token delivery, the bearer). */
const ALLOWED_HEADERS = [
  'content-type',
  'authorization',
  'x-token-delivery',
  'apollo-require-preflight',
  'x-apollo-operation-name',
  'accept-language',
  'x-request-id',
];

/**
 * CORS with credentials for the origins in CORS_ORIGINS, and for nobody else: an origin not
 * listed gets no Access-Control-Allow-Origin, so its browser keeps the answer from its script
 * (and refuses to send the preflighted request at all).
 */
export async function registerCors(server: FastifyInstance, origins: OriginPolicy): Promise<void> {
  await server.register(cors, {
    origin: (origin, callback) => callback(null, origins.isListed(origin)),
    credentials: true,
    methods: ['GET', 'POST'],
    allowedHeaders: ALLOWED_HEADERS,
    exposedHeaders: ['x-request-id'],
    maxAge: 600,
  });
}
