import { GraphQLError } from 'graphql';
import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { RateLimitConfig } from '../config';
import { ErrorCode, RateLimitedError } from '../errors';
import type { LimiterStore } from './limiter-store';

const DAY = 24 * 3600;

/**
 * What an account budget counts: `failures` are INVALID_CREDENTIALS answers (with a growing
 * backoff), `mail` are calls that may send mail, `codes` are code checks.
 */
export type AccountBudget = 'failures' | 'mail' | 'codes';

/** One rate-limited call: which per-IP bucket it spends, and which account budget, if any. */
export interface LimitedCall {
  /** The operation, so each one has its own per-IP budget. */
  readonly name: string;
  readonly ipBucket: 'auth' | 'refresh';
  readonly ip: string | null;
  /** `email:<address>` or `user:<id>`; null when the call names no account (malformed input). */
  readonly account: string | null;
  readonly budget?: AccountBudget;
}

/**
 * The budgets behind the rate-limit policy. Each call reserves its point before it runs, so
 * parallel calls cannot overspend, and gives it back when the outcome should not count.
 */
export class RateLimits {
  private readonly perIp: RateLimiterAbstract;
  private readonly refreshPerIp: RateLimiterAbstract;
  private readonly failures: RateLimiterAbstract;
  private readonly lockouts: RateLimiterAbstract;
  private readonly mail: RateLimiterAbstract;
  private readonly codes: RateLimiterAbstract;

  constructor(
    private readonly settings: RateLimitConfig,
    store: LimiterStore,
  ) {
    this.perIp = store.bucket({ keyPrefix: 'ip', points: settings.ipPerMinute, duration: 60 });
    this.refreshPerIp = store.bucket({ keyPrefix: 'ip-refresh', points: settings.refreshIpPerMinute, duration: 60 });
    this.failures = store.bucket({ keyPrefix: 'failures', points: settings.loginFailures, duration: settings.loginWindow });
    // How many backoffs an account had today: each one lasts twice as long as the last.
    this.lockouts = store.bucket({ keyPrefix: 'lockouts', points: 1_000_000, duration: DAY });
    this.mail = store.bucket({ keyPrefix: 'mail', points: settings.mailPerHour, duration: 3600 });
    this.codes = store.bucket({ keyPrefix: 'codes', points: settings.codePerHour, duration: 3600 });
  }

  /** Runs one call under its budgets; RATE_LIMITED before it runs when a budget is spent. */
  async run<T>(call: LimitedCall, resolve: () => Promise<T>): Promise<T> {
    await take(call.ipBucket === 'refresh' ? this.refreshPerIp : this.perIp, `${call.name}:${call.ip ?? 'unknown'}`);
    if (!call.account || !call.budget) return resolve();
    switch (call.budget) {
      case 'failures':
        return this.countFailures(call.account, resolve);
      case 'mail':
        return this.refundOnError(this.mail, call.account, resolve);
      case 'codes':
        await take(this.codes, `${call.name}:${call.account}`);
        return resolve();
    }
  }

  private async countFailures<T>(key: string, resolve: () => Promise<T>): Promise<T> {
    const reserved = await take(this.failures, key);
    let result: T;
    try {
      result = await resolve();
    } catch (error) {
      if (!hasCode(error, ErrorCode.INVALID_CREDENTIALS)) await this.failures.reward(key, 1);
      else if (reserved.remainingPoints === 0) await this.backOff(key);
      throw error;
    }
    await this.failures.delete(key);
    return result;
  }

  /** The last allowed failure: block the account for loginWindow, doubling per lockout that day. */
  private async backOff(key: string): Promise<void> {
    const { consumedPoints } = await this.lockouts.penalty(key, 1);
    const seconds = Math.min(this.settings.loginWindow * 2 ** Math.min(consumedPoints - 1, 30), this.settings.loginMaxBackoff);
    await this.failures.block(key, seconds);
  }

  private async refundOnError<T>(bucket: RateLimiterAbstract, key: string, resolve: () => Promise<T>): Promise<T> {
    await take(bucket, key);
    try {
      return await resolve();
    } catch (error) {
      await bucket.reward(key, 1);
      throw error;
    }
  }
}

async function take(bucket: RateLimiterAbstract, key: string): Promise<RateLimiterRes> {
  try {
    return await bucket.consume(key);
  } catch (rejection) {
    if (rejection instanceof RateLimiterRes) throw new RateLimitedError(Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)));
    throw rejection;
  }
}

function hasCode(error: unknown, code: ErrorCode): boolean {
  return error instanceof GraphQLError && error.extensions?.code === code;
}
