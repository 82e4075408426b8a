import type { WebsocketHandler } from '@fastify/websocket';
import {
  GraphQLError,
  OperationTypeNode,
  getOperationAST,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type GraphQLSchema,
  type ValidationRule,
} from 'graphql';
import { makeHandler } from 'graphql-ws/use/@fastify/websocket';
import type { Authenticator } from '../auth/authenticate';
import type { Config } from '../config';
import type { SecurityEventFeed } from '../realtime/security-feed';
import { queryLimits } from './query-limits';
import { SocketContext } from './socket-context';

/** Why a socket was refused after connection_init: graphql-ws has no code of its own for a full house. */
export const TOO_MANY_SOCKETS = { code: 4429, reason: 'Too many sockets for this account' } as const;

/**
 * graphql-ws (`graphql-transport-ws`) on the realtime socket: connection_init must carry a live
 * bearer token (`{ authorization: "Bearer …" }`), checked through the one Authenticator, else
 * graphql-ws closes with 4403; only subscriptions run here, under the same document limits as
 * POST /graphql, at most REALTIME_MAX_SUBSCRIPTIONS_PER_SOCKET at once.
 */
export function subscriptionHandler(schema: GraphQLSchema, config: Config, authenticator: Authenticator, feed: SecurityEventFeed): WebsocketHandler {
  const limits = queryLimits(config);
  const rules: ValidationRule[] = [...specifiedRules, ...limits.validationRules];
  const contexts = new WeakMap<object, SocketContext>();
  const running = new WeakMap<object, Set<string>>();

  return makeHandler({
    schema,
    connectionInitWaitTimeout: config.realtime.initTimeout * 1000,
    isProd: config.env === 'production',
    async onConnect(ctx) {
      const authorization = ctx.connectionParams?.authorization;
      if (typeof authorization !== 'string') return false;
      const session = await authenticator.authenticateUntil(authorization);
      if (!session) return false;
      const { socket, request } = ctx.extra;
      // Closed while the token was checked: onClose has run already, so nothing may be attached now.
      if (socket.readyState !== socket.OPEN) return false;
      const connection = feed.attach(session.viewer, authorization, session.expiresAt, (code, reason) => socket.close(code, reason));
      if (!connection) {
        socket.close(TOO_MANY_SOCKETS.code, TOO_MANY_SOCKETS.reason);
        return false;
      }
      const userAgent = request.headers['user-agent'];
      contexts.set(ctx, new SocketContext(connection, session.viewer, { ip: request.ip ?? null, userAgent: typeof userAgent === 'string' ? userAgent : null }));
      running.set(ctx, new Set());
      return true;
    },
    onSubscribe(ctx, id, payload) {
      const subscriptions = running.get(ctx);
      const context = contexts.get(ctx);
      if (!subscriptions || !context) return [new GraphQLError('Not connected')];
      if (subscriptions.size >= config.realtime.maxSubscriptionsPerSocket) {
        return [new GraphQLError(`At most ${config.realtime.maxSubscriptionsPerSocket} subscriptions per socket`, { extensions: { code: 'RATE_LIMITED' } })];
      }
      let document: DocumentNode;
      try {
        document = parse(payload.query, limits.parseOptions);
      } catch (error) {
        return [error instanceof GraphQLError ? error : new GraphQLError('Cannot parse the document')];
      }
      const errors = validate(schema, document, rules);
      if (errors.length) return errors;
      const operation = getOperationAST(document, payload.operationName);
      if (operation?.operation !== OperationTypeNode.SUBSCRIPTION) {
        return [
          new GraphQLError('Only subscriptions run over the socket; send queries and mutations with POST /graphql', { extensions: { code: 'BAD_REQUEST' } }),
        ];
      }
      subscriptions.add(id);
      return { schema, document, operationName: payload.operationName, variableValues: payload.variables, contextValue: context };
    },
    onComplete(ctx, id) {
      running.get(ctx)?.delete(id);
    },
    onClose(ctx) {
      contexts.get(ctx)?.connection.detach();
    },
  });
}
