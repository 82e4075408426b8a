import type { EntityManager } from '@mikro-orm/postgresql';
import type { Authenticator } from '../auth/authenticate';
import type { SecurityEventReader } from '../security/timeline';
import type { Viewer } from '../viewer/viewer';
import { RealtimeConnection } from './connection';

interface Log {
  error(obj: object, msg: string): void;
}

/**
 * The sockets of this instance by user, and the delivery of each new security event to its
 * user's sockets. A notice (from NOTIFY or the embedded poller) carries only ids: the event is
 * read from the table, and each receiving socket's session is checked again, since the event
 * may be the one that ended it. Notices are handled one at a time, in the order they came.
 */
export class SecurityEventFeed {
  private readonly byUser = new Map<string, Set<RealtimeConnection>>();
  private work: Promise<void> = Promise.resolve();

  constructor(
    private readonly deps: {
      fork: () => EntityManager;
      reader: SecurityEventReader;
      authenticator: Authenticator;
      maxSocketsPerUser: number;
      /** Milliseconds a socket whose session ended keeps taking events, so those already on their way still reach it. */
      settleMs: number;
      log: Log;
    },
  ) {}

  /** Open sockets on this instance, and the subscriptions running on them (for tests and metrics). */
  counts(): { sockets: number; subscriptions: number } {
    let sockets = 0;
    let subscriptions = 0;
    for (const set of this.byUser.values()) {
      sockets += set.size;
      for (const connection of set) subscriptions += connection.streamCount;
    }
    return { sockets, subscriptions };
  }

  /** Registers an authenticated socket; null when its user already has the most allowed. */
  attach(viewer: Viewer, authorization: string, expiresAt: Date, close: (code: number, reason: string) => void): RealtimeConnection | null {
    const userId = viewer.user.id;
    const set = this.byUser.get(userId) ?? new Set<RealtimeConnection>();
    if (set.size >= this.deps.maxSocketsPerUser) return null;
    const connection = new RealtimeConnection(userId, viewer.sessionId, authorization, expiresAt, this.deps.settleMs, close, (gone) => {
      const current = this.byUser.get(gone.userId);
      current?.delete(gone);
      if (current?.size === 0) this.byUser.delete(gone.userId);
    });
    set.add(connection);
    this.byUser.set(userId, set);
    return connection;
  }

  /** `userId` has a new event `eventId`; ignored when none of their sockets is here. */
  notify(userId: string, eventId: string): void {
    if (!this.byUser.has(userId)) return;
    this.enqueue(() => this.dispatch(userId, eventId));
  }

  /** After a gap in notices: every socket whose session ended meanwhile is closed. */
  recheckAll(): void {
    this.enqueue(async () => {
      const all = [...this.byUser.values()].flatMap((set) => [...set]);
      await Promise.all(
        all.map(async (connection) => {
          if (!(await this.deps.authenticator.authenticate(connection.authorization))) connection.endSession();
        }),
      );
    });
  }

  /** Waits for the notices in hand (shutdown). */
  settled(): Promise<void> {
    return this.work;
  }

  private enqueue(task: () => Promise<void>): void {
    this.work = this.work.then(task).catch((error: unknown) => this.deps.log.error({ err: error }, 'realtime: delivering a security event failed'));
  }

  private async dispatch(userId: string, eventId: string): Promise<void> {
    const connections = [...(this.byUser.get(userId) ?? [])];
    if (!connections.length) return;
    const event = await this.deps.reader.find(this.deps.fork(), userId, eventId);
    if (!event) return;
    const alive = await Promise.all(connections.map(async (c) => (await this.deps.authenticator.authenticate(c.authorization)) !== null));
    connections.forEach((connection, i) => connection.deliver(event, !alive[i]));
  }
}
