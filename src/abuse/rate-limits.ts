import { GraphQLError } from 'graphql';
import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { RateLimitConfig } from '../config';
import { ErrorCode, RateLimitedError } from '../errors';
import { clientKey } from './client-key';
import type { LimiterStore } from './limiter-store';

const DAY = 24 * 3600;

/**
 * What an account budget counts, each with a backoff that grows with every lockout of the day
 * and ends: `failures` are wrong passwords (INVALID_CREDENTIALS), `codes` are wrong codes
 * (INVALID_CODE, TOO_MANY_ATTEMPTS, CODE_EXPIRED) across every code the address gets. Mail
 * budgets are per address too, but spent only by mail that goes out (address-budgets.ts).
 */
export type AccountBudget = 'failures' | 'codes';

const WRONG_PASSWORD: ReadonlySet<string> = new Set([ErrorCode.INVALID_CREDENTIALS]);
const WRONG_CODE: ReadonlySet<string> = new Set([ErrorCode.INVALID_CODE, ErrorCode.TOO_MANY_ATTEMPTS, ErrorCode.CODE_EXPIRED]);

/** A failure budget: its counter, its lockouts of the day, and which answers count. */
interface FailureBudget {
  readonly failures: RateLimiterAbstract;
  readonly lockouts: RateLimiterAbstract;
  readonly window: number;
  readonly counts: ReadonlySet<string>;
}

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
  private readonly passwords: FailureBudget;
  private readonly codes: FailureBudget;
  /** The tail of each address's queue of budgeted calls in this process. */
  private readonly turns = new Map<string, Promise<void>>();

  constructor(
    private readonly settings: RateLimitConfig,
    store: LimiterStore,
  ) {
    this.perIp = store.bucket({ keyPrefix: 'ip', points: settings.ipPerMinute, duration: 60 });
    this.refreshPerIp = store.bucket({ keyPrefix: 'ip-refresh', points: settings.refreshIpPerMinute, duration: 60 });
    // The lockouts count how many backoffs an address had today: each lasts twice as long as the last.
    this.passwords = {
      failures: store.bucket({ keyPrefix: 'failures', points: settings.loginFailures, duration: settings.loginWindow }),
      lockouts: store.bucket({ keyPrefix: 'lockouts', points: 1_000_000, duration: DAY }),
      window: settings.loginWindow,
      counts: WRONG_PASSWORD,
    };
    this.codes = {
      failures: store.bucket({ keyPrefix: 'code-failures', points: settings.codeFailures, duration: settings.codeWindow }),
      lockouts: store.bucket({ keyPrefix: 'code-lockouts', points: 1_000_000, duration: DAY }),
      window: settings.codeWindow,
      counts: WRONG_CODE,
    };
  }

  /** Runs one call under its budgets; RATE_LIMITED before it runs when a budget is spent. */
  async run<T>(call: LimitedCall, resolve: () => Promise<T>): Promise<T> {
    await take(call.ipBucket === 'refresh' ? this.refreshPerIp : this.perIp, `${call.name}:${clientKey(call.ip)}`);
    if (!call.account || !call.budget) return resolve();
    return this.countFailures(call.budget === 'failures' ? this.passwords : this.codes, call.account, resolve);
  }

  /**
   * Reserves a point before the call, so parallel guesses cannot overspend; gives it back when
   * the answer is not a failure this budget counts, and clears the count on success. The last
   * allowed failure starts a backoff. Calls for one address take turns in this process, so a
   * burst of right answers never finds the budget reserved by its own siblings (8 logins at
   * once with the right password were refused with 5 failures allowed); across instances at
   * most one reservation per instance is in flight.
   */
  private countFailures<T>(budget: FailureBudget, key: string, resolve: () => Promise<T>): Promise<T> {
    return this.inTurn(key, () => this.spendOnFailure(budget, key, resolve));
  }

  private async spendOnFailure<T>(budget: FailureBudget, key: string, resolve: () => Promise<T>): Promise<T> {
    const reserved = await take(budget.failures, key);
    let result: T;
    try {
      result = await resolve();
    } catch (error) {
      if (!countsAs(error, budget.counts)) await budget.failures.reward(key, 1);
      else if (reserved.remainingPoints === 0) await this.backOff(budget, key);
      throw error;
    }
    await budget.failures.delete(key);
    return result;
  }

  /** Runs `work` after every earlier call for `key` in this process has finished. */
  private async inTurn<T>(key: string, work: () => Promise<T>): Promise<T> {
    let done!: () => void;
    const mine = new Promise<void>((resolve) => (done = resolve));
    const previous = this.turns.get(key) ?? Promise.resolve();
    const tail = previous.then(() => mine);
    this.turns.set(key, tail);
    await previous;
    try {
      return await work();
    } finally {
      done();
      if (this.turns.get(key) === tail) this.turns.delete(key);
    }
  }

  /** Block the address for the budget's window, doubling per lockout that day, up to RATE_LIMIT_LOGIN_MAX_BACKOFF. */
  private async backOff(budget: FailureBudget, key: string): Promise<void> {
    const { consumedPoints } = await budget.lockouts.penalty(key, 1);
    const seconds = Math.min(budget.window * 2 ** Math.min(consumedPoints - 1, 30), this.settings.loginMaxBackoff);
    await budget.failures.block(key, seconds);
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

function countsAs(error: unknown, codes: ReadonlySet<string>): boolean {
  const code = error instanceof GraphQLError ? error.extensions?.code : undefined;
  return typeof code === 'string' && codes.has(code);
}
