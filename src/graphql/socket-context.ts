import type { RealtimeConnection } from '../realtime/connection';
import type { ClientInfo, Viewer } from '../viewer/viewer';

/**
 * The context of operations on one realtime socket: the viewer authenticated at
 * connection_init (the socket is closed when that session ends or its token expires, so it
 * stays true while the socket is open) and the socket's place in the event feed.
 */
export class SocketContext {
  constructor(
    readonly connection: RealtimeConnection,
    private readonly current: Viewer,
    readonly client: ClientInfo,
  ) {}

  viewer(): Promise<Viewer | null> {
    return Promise.resolve(this.current);
  }
}
