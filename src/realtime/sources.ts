import type { EntityManager } from '@mikro-orm/postgresql';
import { NotificationListener } from '../db/notifications';
import type { SecurityEventReader } from '../security/timeline';
import type { SecurityEventFeed } from './security-feed';

interface Log {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** Where the feed hears of new events. */
export interface EventSource {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * PostgreSQL: LISTEN on the deployment's channel, where SecurityLog NOTIFYs `<user>:<event>`
 * in the transaction of each event. Every instance hears every commit, and nothing uncommitted.
 */
export function listenSource(url: string, channel: string, feed: SecurityEventFeed, log: Log): EventSource {
  return new NotificationListener(
    url,
    channel,
    {
      onNotify(payload) {
        const match = /^([0-9a-f-]{36}):(\d{1,19})$/.exec(payload);
        if (match) feed.notify(match[1], match[2]);
      },
      onReconnect: () => feed.recheckAll(),
    },
    log,
  );
}

/**
 * The embedded PGlite serves every connection from one backend, so a LISTEN on one connection
 * does not hear a NOTIFY committed on another. It also serves one process only: reading the
 * events committed since the last look, every `intervalMs`, reaches every subscriber, and a
 * rolled-back event is never read.
 */
export function pollingSource(fork: () => EntityManager, reader: SecurityEventReader, feed: SecurityEventFeed, intervalMs: number, log: Log): EventSource {
  let lastId = '0';
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> = Promise.resolve();
  const poll = async (): Promise<void> => {
    for (;;) {
      const rows = await reader.since(fork(), lastId, 500);
      for (const row of rows) feed.notify(row.userId, row.id);
      if (rows.length) lastId = rows.at(-1)!.id;
      if (rows.length < 500) return;
    }
  };
  const tick = (): void => {
    running = poll()
      .catch((error: unknown) => log.warn({ err: error }, 'realtime: reading new security events failed'))
      .finally(() => {
        if (timer) timer.refresh();
      });
  };
  return {
    async start() {
      lastId = await reader.lastId(fork());
      timer = setTimeout(tick, intervalMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearTimeout(timer);
      timer = null;
      await running;
    },
  };
}
