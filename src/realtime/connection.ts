import type { SecurityEvent } from '../security/security-event.entity';
import { EventStream } from './event-stream';

/** Close codes of the realtime socket (graphql-ws's 4401 Unauthorized, with a reason that says which). */
export const SESSION_ENDED = { code: 4401, reason: 'Session ended' } as const;
export const TOKEN_EXPIRED = { code: 4401, reason: 'Token expired' } as const;

/** How long the last event of an ended session may take to go out before its socket is closed regardless. */
const FLUSH_DEADLINE_MS = 300;

/** setTimeout's longest delay; access tokens live a day at most, so this only guards against a clock far off. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * One authenticated socket of one session: its event streams (one per `securityEvents`
 * subscription), closed when its access token expires, or when its session ends: the session
 * is checked when an event arrives, which may be an event from before the one that ended it,
 * so the socket keeps taking events for `settleMs`, then closes once they have gone out.
 */
export class RealtimeConnection {
  private readonly streams = new Set<EventStream<SecurityEvent>>();
  private readonly expiry: NodeJS.Timeout;
  private settling: NodeJS.Timeout | null = null;
  private ending: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    readonly userId: string,
    readonly sessionId: string,
    /** The `Authorization` value of connection_init, re-checked when an event may have ended the session. */
    readonly authorization: string,
    expiresAt: Date,
    private readonly settleMs: number,
    private readonly closeSocket: (code: number, reason: string) => void,
    private readonly onClosed: (connection: RealtimeConnection) => void,
  ) {
    this.expiry = setTimeout(() => this.close(TOKEN_EXPIRED), Math.min(Math.max(0, expiresAt.getTime() - Date.now()), MAX_TIMER_MS));
    this.expiry.unref();
  }

  /** Running `securityEvents` subscriptions on this socket. */
  get streamCount(): number {
    return this.streams.size;
  }

  /** A new stream of this user's events, until the socket closes or the subscription completes. */
  securityEvents(): AsyncIterableIterator<SecurityEvent> {
    const stream: EventStream<SecurityEvent> = new EventStream({
      onIdle: () => this.flushed(),
      onEnd: () => {
        this.streams.delete(stream);
        this.flushed();
      },
    });
    if (!this.closed) this.streams.add(stream);
    else void stream.return();
    return stream;
  }

  /** Hands an event to every stream; when it ended this session, closes the socket once it is out. */
  deliver(event: SecurityEvent, sessionEnded: boolean): void {
    if (this.closed || this.ending) return;
    for (const stream of this.streams) stream.push(event);
    if (sessionEnded) this.endSession();
  }

  /** The session has ended: after `settleMs`, and once what was delivered has gone out, the socket closes. */
  endSession(): void {
    if (this.closed || this.settling || this.ending) return;
    this.settling = setTimeout(() => {
      this.ending = setTimeout(() => this.close(SESSION_ENDED), FLUSH_DEADLINE_MS);
      this.flushed();
    }, this.settleMs);
  }

  /** The socket is gone (closed by either side). */
  detach(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.expiry);
    if (this.settling) clearTimeout(this.settling);
    if (this.ending) clearTimeout(this.ending);
    for (const stream of [...this.streams]) void stream.return();
    this.onClosed(this);
  }

  private flushed(): void {
    if (this.ending && [...this.streams].every((stream) => stream.idle)) this.close(SESSION_ENDED);
  }

  private close(why: { code: number; reason: string }): void {
    if (this.closed) return;
    this.closeSocket(why.code, why.reason);
    this.detach();
  }
}
