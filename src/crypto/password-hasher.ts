import argon2 from 'argon2';
import type { Config } from '../config';

/** argon2id hashing with parameters from config; knows when a stored hash is out of date. */
export class PasswordHasher {
  private readonly options: argon2.HashOptions & { raw?: false };
  private dummyHash?: Promise<string>;

  constructor(params: Config['argon2']) {
    this.options = {
      type: argon2.argon2id,
      memoryCost: params.memoryCost,
      timeCost: params.timeCost,
      parallelism: params.parallelism,
    };
  }

  hash(password: string): Promise<string> {
    return argon2.hash(password, this.options);
  }

  async verify(hash: string, password: string): Promise<boolean> {
    try {
      return await argon2.verify(hash, password);
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
    await this.verify(await this.dummyHash, password);
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
