import type { FastifyBaseLogger } from 'fastify';
import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, type RateLimiterAbstract } from 'rate-limiter-flexible';

export interface BucketOptions {
  readonly keyPrefix: string;
  readonly points: number;
  readonly duration: number;
}

/**
 * Makes rate limiters in memory, or in Redis so every instance shares one budget. While
 * Redis does not answer, each Redis limiter falls back to an in-memory twin rather than
 * failing the request.
 */
export class LimiterStore {
  private constructor(private readonly redis: Redis | null) {}

  static async open(redisUrl: string | null, log: FastifyBaseLogger): Promise<LimiterStore> {
    if (!redisUrl) return new LimiterStore(null);
    const redis = new Redis(redisUrl, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2000 });
    let warned = false;
    redis.on('error', (err: Error) => {
      if (!warned) log.warn({ err }, 'rate-limit store: Redis is not answering; limits are per instance until it does');
      warned = true;
    });
    redis.on('ready', () => (warned = false));
    try {
      await redis.connect();
    } catch {
      // Logged by the error handler; ioredis keeps reconnecting in the background.
    }
    return new LimiterStore(redis);
  }

  get shared(): boolean {
    return this.redis !== null;
  }

  bucket(options: BucketOptions): RateLimiterAbstract {
    const keyPrefix = `girok:rl:${options.keyPrefix}`;
    const memory = new RateLimiterMemory({ ...options, keyPrefix });
    if (!this.redis) return memory;
    return new RateLimiterRedis({ ...options, keyPrefix, storeClient: this.redis, insuranceLimiter: memory });
  }

  async close(): Promise<void> {
    if (!this.redis) return;
    if (this.redis.status === 'ready') await this.redis.quit().catch(() => this.redis!.disconnect());
    else this.redis.disconnect();
  }
}
