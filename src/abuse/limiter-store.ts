import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, type RateLimiterAbstract } from 'rate-limiter-flexible';

export interface BucketOptions {
  readonly keyPrefix: string;
  readonly points: number;
  readonly duration: number;
}

/**
 * Keys one in-memory bucket holds at most (about 2 KiB each: a record and its timer). Past it
 * the oldest key is dropped, so a flood of distinct addresses or IPs costs a bounded heap.
 */
export const MEMORY_KEYS_PER_BUCKET = 10_000;

export interface LimiterLogger {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

/**
 * Makes rate limiters in memory, or in Redis so every instance shares one budget. While
 * Redis does not answer (refused, or stalled: every command has a deadline), each Redis
 * limiter falls back to an in-memory twin rather than failing or holding the request.
 */
export class LimiterStore {
  private lastFallbackWarning = 0;

  private constructor(
    private readonly redis: Redis | null,
    private readonly log: LimiterLogger,
  ) {}

  /** A store in this process's memory only. */
  static inMemory(log: LimiterLogger): LimiterStore {
    return new LimiterStore(null, log);
  }

  static async open(redisUrl: string | null, commandTimeoutMs: number, log: LimiterLogger): Promise<LimiterStore> {
    if (!redisUrl) return new LimiterStore(null, log);
    const redis = new Redis(redisUrl, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: 2000,
      // A Redis that accepts commands but never answers (a partition, a stuck fork) would
      // otherwise hold every sign-in; past this, the command fails and the memory twin decides.
      commandTimeout: commandTimeoutMs,
    });
    let warned = false;
    redis.on('error', (err: Error) => {
      if (!warned) log.warn({ err }, 'rate-limit store: Redis is not answering; limits are per instance until it does');
      warned = true;
    });
    redis.on('ready', () => {
      if (warned) log.info({}, 'rate-limit store: Redis answers again; limits are shared');
      warned = false;
    });
    try {
      await redis.connect();
    } catch {
      // Logged by the error handler; ioredis keeps reconnecting in the background.
    }
    return new LimiterStore(redis, log);
  }

  bucket(options: BucketOptions): RateLimiterAbstract {
    const keyPrefix = `girok:rl:${options.keyPrefix}`;
    if (!this.redis) return new BoundedMemoryLimiter({ ...options, keyPrefix });
    const insuranceLimiter = new FallbackLimiter({ ...options, keyPrefix }, () => this.warnFallback());
    return new RateLimiterRedis({ ...options, keyPrefix, storeClient: this.redis, insuranceLimiter });
  }

  /** A stalled command emits no 'error' on the connection: say so when memory takes over (once a minute). */
  private warnFallback(): void {
    if (Date.now() - this.lastFallbackWarning < 60_000) return;
    this.lastFallbackWarning = Date.now();
    this.log.warn({}, 'rate-limit store: a Redis command failed or timed out; this instance decides from memory meanwhile');
  }

  async close(): Promise<void> {
    if (!this.redis) return;
    if (this.redis.status === 'ready') await this.redis.quit().catch(() => this.redis!.disconnect());
    else this.redis.disconnect();
  }
}

/** rate-limiter-flexible's memory store, whose records live in a Map kept in insertion order. */
interface MemoryStorage {
  _storage: Map<string, { timeoutId?: NodeJS.Timeout }>;
  set(key: string, value: number, durationSec: number): unknown;
}

/** A memory limiter that holds at most MEMORY_KEYS_PER_BUCKET keys, dropping the oldest. */
class BoundedMemoryLimiter extends RateLimiterMemory {
  constructor(options: BucketOptions) {
    super(options);
    // The library offers no bound; its storage is reachable only as this underscored field.
    const storage = (this as unknown as { _memoryStorage: MemoryStorage })._memoryStorage;
    const set = storage.set.bind(storage);
    storage.set = (key, value, durationSec) => {
      const answer = set(key, value, durationSec);
      if (storage._storage.size > MEMORY_KEYS_PER_BUCKET) {
        const [oldest, record] = storage._storage.entries().next().value!;
        clearTimeout(record.timeoutId);
        storage._storage.delete(oldest);
      }
      return answer;
    };
  }

  /** How many keys it holds now. */
  get size(): number {
    return (this as unknown as { _memoryStorage: MemoryStorage })._memoryStorage._storage.size;
  }
}

/** The in-memory twin of a Redis limiter; tells the store each time it has to decide. */
class FallbackLimiter extends BoundedMemoryLimiter {
  constructor(
    options: BucketOptions,
    private readonly onUse: () => void,
  ) {
    super(options);
  }

  override consume(...args: Parameters<RateLimiterMemory['consume']>) {
    this.onUse();
    return super.consume(...args);
  }

  override penalty(...args: Parameters<RateLimiterMemory['penalty']>) {
    this.onUse();
    return super.penalty(...args);
  }

  override block(...args: Parameters<RateLimiterMemory['block']>) {
    this.onUse();
    return super.block(...args);
  }
}
