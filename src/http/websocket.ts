import fastifyWebsocket, { type WebsocketHandler } from '@fastify/websocket';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { handleProtocols } from 'graphql-ws';
import type { Config } from '../config';

/**
 * The realtime socket's door, on GET /graphql (the same path as POST /graphql): @fastify/websocket
 * with graphql-ws's subprotocol and a message size limit; before the upgrade, a browser's
 * `Origin` must be the server's own (PUBLIC_URL's, else the request's Host) or in CORS_ORIGINS
 * (ASVS 4.4.2: no cross-site socket), and one client address holds at most
 * REALTIME_MAX_SOCKETS_PER_IP sockets. A refused upgrade is an HTTP answer (403, 429).
 */
export async function registerWebsocket(server: FastifyInstance, config: Config): Promise<void> {
  await server.register(fastifyWebsocket, {
    options: { maxPayload: config.realtime.maxMessageBytes, handleProtocols: (protocols) => handleProtocols(protocols) },
    // On shutdown each socket is told so (1001, Going Away): graphql-ws clients reconnect, to another instance.
    preClose(done) {
      for (const client of server.websocketServer.clients) client.close(1001, 'Server shutting down');
      server.websocketServer.close();
      done();
    },
  });
}

/** What GET /graphql needs to also be the realtime socket. */
export interface SocketRoute {
  wsHandler: WebsocketHandler;
  preValidation: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
}

/** The socket route around a graphql-ws handler: upgrades checked first, sockets counted per client address. */
export function socketRoute(config: Config, handler: WebsocketHandler): SocketRoute {
  const guard = upgradeGuard(config);
  return { wsHandler: guard.wrap(handler), preValidation: guard.preValidation };
}

/** GET /graphql as the socket alone (without the IDE page: a plain GET answers 404, as before). */
export function registerSocketRoute(server: FastifyInstance, route: SocketRoute): void {
  server.route({ method: 'GET', url: '/graphql', websocket: true, handler: route.wsHandler, preValidation: route.preValidation });
}

function upgradeGuard(config: Config): {
  preValidation: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  wrap: (handler: WebsocketHandler) => WebsocketHandler;
} {
  const open = new Map<string, number>();
  const perIp = config.realtime.maxSocketsPerIp;
  return {
    async preValidation(request, reply) {
      if (!request.ws) return;
      if (!originAllowed(request, config)) {
        await reply.code(403).send({ error: 'This origin may not open the realtime socket' });
        return;
      }
      if (perIp > 0 && (open.get(request.ip) ?? 0) >= perIp) {
        await reply.code(429).send({ error: 'Too many realtime sockets from this address' });
      }
    },
    wrap(handler) {
      return function (this: FastifyInstance, socket, request) {
        const ip = request.ip;
        open.set(ip, (open.get(ip) ?? 0) + 1);
        socket.once('close', () => {
          const left = (open.get(ip) ?? 1) - 1;
          if (left > 0) open.set(ip, left);
          else open.delete(ip);
        });
        return handler.call(this, socket, request);
      };
    },
  };
}

/** No Origin (a non-browser client, which cannot be driven cross-site), the server's own, or one listed. */
function originAllowed(request: FastifyRequest, config: Config): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  const own = config.http.publicOrigin ?? `${request.protocol}://${request.host}`.toLowerCase();
  return origin.toLowerCase() === own || config.http.corsOrigins.includes(origin);
}
