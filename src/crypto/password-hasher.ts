import argon2 from 'argon2';
import type { Argon2Config } from '../config';

/**
 * How a password matched its hash: `current` as hashed today (NFKC-normalized), `legacy` only
 * in the form it was typed (a hash made before normalization; redo it), or false.
 */
export type PasswordMatch = false | 'current' | 'legacy';

/**
 * argon2id hashing with parameters from config; knows when a stored hash is out of date.
 * Passwords are hashed in Unicode NFKC form (NIST SP 800-63B-4), so the same visible password
 * typed as NFC or NFD, or with compatibility characters, is one password.
 */
export class PasswordHasher {
  private readonly options: argon2.HashOptions & { raw?: false };
  private readonly slots: Slots;
  private dummyHash?: Promise<string>;

  constructor(params: Argon2Config) {
    this.options = {
      type: argon2.argon2id,
      memoryCost: params.memoryCost,
      timeCost: params.timeCost,
      parallelism: params.parallelism,
    };
    this.slots = new Slots(params.concurrency);
  }

  hash(password: string): Promise<string> {
    return this.slots.run(() => argon2.hash(password.normalize('NFKC'), this.options));
  }

  /** Truthy when the password matches; `legacy` when only its unnormalized form does. */
  async verify(hash: string, password: string): Promise<PasswordMatch> {
    const normalized = password.normalize('NFKC');
    if (await this.argon2Verify(hash, normalized)) return 'current';
    // Hashes made before normalization hold the password as it was typed.
    return normalized !== password && (await this.argon2Verify(hash, password)) ? 'legacy' : false;
  }

  private async argon2Verify(hash: string, password: string): Promise<boolean> {
    try {
      return await this.slots.run(() => argon2.verify(hash, password));
    } catch {
      // A malformed stored hash is a failed login, not a server error.
      return false;
    }
  }

  /**
   * Burns the same work as a real verify when there is no account, so the answer's timing
   * does not reveal which emails are registered.
   */
  async verifyNothing(password: string): Promise<false> {
    this.dummyHash ??= this.hash('girok-dummy-password-for-timing');
    await this.argon2Verify(await this.dummyHash, password.normalize('NFKC'));
    return false;
  }

  /** True when the hash was made with other parameters than the configured ones. */
  needsRehash(hash: string): boolean {
    try {
      return argon2.needsRehash(hash, this.options);
    } catch {
      return true;
    }
  }
}

/**
 * At most `size` argon2 runs at once; the rest wait their turn in order. Each run holds
 * ARGON2_MEMORY_KIB of memory, and more runs than cores thrash the caches, so every run
 * slows (measured: 8 at once on 2 cores and 4 libuv threads finish later than 4 would):
 * throughput stays at the machine's bound and latency grows only by queueing.
 */
class Slots {
  private free: number;
  private readonly waiting: (() => void)[] = [];

  constructor(size: number) {
    this.free = size;
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.free++;
    }
  }
}
