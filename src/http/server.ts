import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { Socket } from 'node:net';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { HttpConfig } from '../config';

// A request id from a proxy is kept only if it cannot smuggle anything into a log line.
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The HTTP listener with its limits: a whole request within HTTP_REQUEST_TIMEOUT (a client
 * that trickles its headers or body a byte at a time gets 408 and is closed), idle kept-alive
 * connections closed after HTTP_KEEP_ALIVE_TIMEOUT, and at most HTTP_MAX_CONNECTIONS open, of
 * which at most HTTP_MAX_CONNECTIONS_PER_IP from one peer. Every answer carries its request id.
 */
export function createHttpServer(settings: HttpConfig, logger: FastifyServerOptions['logger']): FastifyInstance {
  const requestTimeout = settings.requestTimeout * 1000;
  const server = Fastify({
    logger,
    trustProxy: settings.trustProxy,
    bodyLimit: settings.bodyLimit,
    // Node checks request deadlines every connectionsCheckingInterval (30 s by default), so a
    // deadline of a few seconds would fire up to 30 s late: check as often as it needs.
    serverFactory: (handler) =>
      createServer(
        {
          requestTimeout,
          // Node's headers deadline may not exceed the request deadline it is part of.
          headersTimeout: Math.min(requestTimeout, 60_000),
          keepAliveTimeout: settings.keepAliveTimeout * 1000,
          connectionsCheckingInterval: Math.min(1000, requestTimeout / 2),
        },
        handler,
      ),
    genReqId: (request) => {
      const incoming = request.headers['x-request-id'];
      return typeof incoming === 'string' && SAFE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    },
  });
  server.server.maxConnections = settings.maxConnections;
  if (settings.maxConnectionsPerIp > 0) limitConnectionsPerPeer(server, settings.maxConnectionsPerIp);
  server.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    // GraphQL answers carry tokens, codes' outcomes and personal data: no cache may keep them (ASVS 14.3.2).
    if (request.url === '/graphql' || request.url.startsWith('/graphql?')) reply.header('cache-control', 'no-store');
  });
  return server;
}

/** Closes a new connection at once when its peer address already holds `limit` open ones. */
function limitConnectionsPerPeer(server: FastifyInstance, limit: number): void {
  const open = new Map<string, number>();
  server.server.on('connection', (socket: Socket) => {
    const peer = socket.remoteAddress ?? 'unknown';
    const count = (open.get(peer) ?? 0) + 1;
    if (count > limit) {
      socket.destroy();
      return;
    }
    open.set(peer, count);
    socket.once('close', () => {
      const left = (open.get(peer) ?? 1) - 1;
      if (left > 0) open.set(peer, left);
      else open.delete(peer);
    });
  });
}
