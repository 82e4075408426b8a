import { Resolver, Root, Subscription } from 'type-graphql';
import { UnauthenticatedError } from '../errors';
import { SecurityEvent } from '../security/security-event.entity';
import { SocketContext } from './socket-context';

@Resolver()
export class RealtimeResolver {
  @Subscription(() => SecurityEvent, {
    description:
      'Each new security event of your account, from any instance, over graphql-ws at /graphql (connection_init: { authorization: "Bearer <access token>" }). When the session of the socket ends, its event is sent and the socket closes with 4401.',
    subscribe: ({ context }) => {
      // Over HTTP there is no socket to stream on: only graphql-ws reaches this with a SocketContext.
      if (!(context instanceof SocketContext)) throw new UnauthenticatedError('Subscribe over graphql-ws with an access token in connection_init');
      return context.connection.securityEvents();
    },
  })
  securityEvents(@Root() event: SecurityEvent): SecurityEvent {
    return event;
  }
}
