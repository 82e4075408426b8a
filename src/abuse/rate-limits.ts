import { GraphQLError } from 'graphql';
import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { parseEmail } from '../auth/validation';
import type { Config } from '../config';
import type { RequestContext } from '../context';
import { ErrorCode, RateLimitedError } from '../errors';
import type { LimiterStore } from './limiter-store';
import { emailArgument, type MutationPolicy } from './policy';

const DAY = 24 * 3600;

/**
 * The budgets behind MUTATION_POLICIES. Each call reserves its point before the resolver
 * runs, so parallel calls cannot overspend, and gives it back when the outcome should
 * not count.
 */
export class RateLimits {
  private readonly perIp: RateLimiterAbstract;
  private readonly refreshPerIp: RateLimiterAbstract;
  private readonly failures: RateLimiterAbstract;
  private readonly lockouts: RateLimiterAbstract;
  private readonly mail: RateLimiterAbstract;
  private readonly codes: RateLimiterAbstract;

  constructor(private readonly config: Config['rateLimit'], readonly store: LimiterStore) {
    this.perIp = store.bucket({ keyPrefix: 'ip', points: config.ipPerMinute, duration: 60 });
    this.refreshPerIp = store.bucket({ keyPrefix: 'ip-refresh', points: config.refreshIpPerMinute, duration: 60 });
    this.failures = store.bucket({ keyPrefix: 'failures', points: config.loginFailures, duration: config.loginWindow });
    // How many backoffs an account had today: each one lasts twice as long as the last.
    this.lockouts = store.bucket({ keyPrefix: 'lockouts', points: 1_000_000, duration: DAY });
    this.mail = store.bucket({ keyPrefix: 'mail', points: config.mailPerHour, duration: 3600 });
    this.codes = store.bucket({ keyPrefix: 'codes', points: config.codePerHour, duration: 3600 });
  }

  /** Runs one auth mutation under its policy; RATE_LIMITED before the resolver when a budget is spent. */
  async run<T>(field: string, policy: MutationPolicy, args: Record<string, unknown>, ctx: RequestContext, resolve: () => Promise<T>): Promise<T> {
    await take(policy.ip === 'refresh' ? this.refreshPerIp : this.perIp, `${field}:${ctx.client.ip ?? 'unknown'}`);
    const account = policy.budget ? await accountKey(policy, args, ctx) : null;
    if (!account) return resolve();
    switch (policy.budget) {
      case 'failures':
        return this.countFailures(account, resolve);
      case 'mail':
        return this.refundOnError(this.mail, account, resolve);
      case 'codes':
        await take(this.codes, `${field}:${account}`);
        return resolve();
      default:
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
    const seconds = Math.min(this.config.loginWindow * 2 ** Math.min(consumedPoints - 1, 30), this.config.loginMaxBackoff);
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

  close(): Promise<void> {
    return this.store.close();
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

// A malformed address has no account: the resolver answers it with BAD_USER_INPUT.
async function accountKey(policy: MutationPolicy, args: Record<string, unknown>, ctx: RequestContext): Promise<string | null> {
  if (policy.account === 'viewer') {
    const viewer = await ctx.viewer();
    return viewer ? `user:${viewer.user.id}` : null;
  }
  try {
    return `email:${parseEmail(emailArgument(args))}`;
  } catch {
    return null;
  }
}

function hasCode(error: unknown, code: ErrorCode): boolean {
  return error instanceof GraphQLError && error.extensions?.code === code;
}
