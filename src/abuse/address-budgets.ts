import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { CodeExpiredError, InvalidCodeError, RateLimitedError, TooManyAttemptsError, type ClientError } from '../errors';
import type { LimiterStore } from './limiter-store';

export interface AddressBudgetSettings {
  /** Code mails per address per hour; 0 for no limit (rate limits off). */
  readonly codeMailsPerHour: number;
  /** Notices (someone tried to register your address, ...) per address per hour; 0 for no limit. */
  readonly noticesPerHour: number;
  readonly resendCooldown: number;
  readonly codeTtl: number;
  readonly codeMaxAttempts: number;
}

/** What a code is for; each has its own cooldown and its own stand-in attempts. */
export type CodeUse = 'email_verification' | 'password_reset' | 'login' | 'email_change';

/**
 * Per-address state that must look the same whether or not the address has an account, so no
 * answer tells one from the other, and that only real mail spends:
 * - the code-mail budget is spent only when a code mail is queued, and a notice has a budget of
 *   its own: calls that send nothing (an unknown address, a notice) never use up the owner's codes;
 *   a spent budget sends nothing and says nothing (a refusal would reveal the account);
 * - the resend cooldown runs for every address anyone asked a code for;
 * - an address with no live code gets wrong-code answers (tries left, then too many, then
 *   expired) just like one whose code is being guessed.
 */
export class AddressBudgets {
  private readonly codeMails: RateLimiterAbstract | null;
  private readonly notices: RateLimiterAbstract | null;
  private readonly cooldowns: RateLimiterAbstract;
  private readonly phantoms: RateLimiterAbstract;

  constructor(
    store: LimiterStore,
    private readonly settings: AddressBudgetSettings,
  ) {
    this.codeMails = settings.codeMailsPerHour ? store.bucket({ keyPrefix: 'code-mail', points: settings.codeMailsPerHour, duration: 3600 }) : null;
    this.notices = settings.noticesPerHour ? store.bucket({ keyPrefix: 'notice', points: settings.noticesPerHour, duration: 3600 }) : null;
    this.cooldowns = store.bucket({ keyPrefix: 'cooldown', points: 1, duration: Math.max(1, settings.resendCooldown) });
    // Lives twice the code's life, so a try after the code's time can still say CODE_EXPIRED.
    this.phantoms = store.bucket({ keyPrefix: 'phantom-code', points: settings.codeMaxAttempts, duration: 2 * settings.codeTtl });
  }

  /** Spends a code mail of the address; false when its hourly budget is spent (send nothing). */
  takeCodeMail(address: string): Promise<boolean> {
    return spend(this.codeMails, address);
  }

  /** Spends a notice of the address; false when its hourly budget is spent (send nothing). */
  takeNotice(address: string): Promise<boolean> {
    return spend(this.notices, address);
  }

  /** RATE_LIMITED (with retryAfter) while a code asked for this address and use is in its cooldown. */
  async checkCooldown(use: CodeUse, address: string): Promise<void> {
    if (!this.settings.resendCooldown) return;
    const state = await this.cooldowns.get(`${use}:${address}`);
    if (state && state.consumedPoints > 0 && state.msBeforeNext > 0) throw new RateLimitedError(Math.max(1, Math.ceil(state.msBeforeNext / 1000)));
  }

  /**
   * A code was asked for this address and use (whether or not one was sent): the cooldown starts
   * and a fresh stand-in code begins, as a real new code would.
   */
  async codeAsked(use: CodeUse, address: string): Promise<void> {
    if (this.settings.resendCooldown) await this.cooldowns.set(`${use}:${address}`, 1, this.settings.resendCooldown);
    await this.phantoms.set(`${use}:${address}`, 0, 2 * this.settings.codeTtl);
  }

  /**
   * The answer to a wrong code for an address that has no live code: the same as for a live code
   * being guessed, if a code was asked for it (tries left, too many, expired); otherwise
   * INVALID_CODE, as for an address that never asked.
   */
  async wrongCodeWithoutCode(use: CodeUse, address: string): Promise<ClientError> {
    const key = `${use}:${address}`;
    const asked = await this.phantoms.get(key);
    if (!asked) return new InvalidCodeError();
    const lifetimeMs = 2 * this.settings.codeTtl * 1000;
    if (lifetimeMs - asked.msBeforeNext > this.settings.codeTtl * 1000) return new CodeExpiredError();
    try {
      const tried = await this.phantoms.consume(key);
      return tried.remainingPoints > 0 ? new InvalidCodeError(tried.remainingPoints) : new TooManyAttemptsError();
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) return new TooManyAttemptsError();
      throw rejection;
    }
  }
}

async function spend(bucket: RateLimiterAbstract | null, key: string): Promise<boolean> {
  if (!bucket) return true;
  try {
    await bucket.consume(key);
    return true;
  } catch (rejection) {
    if (rejection instanceof RateLimiterRes) return false;
    throw rejection;
  }
}
