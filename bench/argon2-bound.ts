import { PasswordHasher } from '../src/crypto/password-hasher';
import type { Config } from '../src/config';

export interface Argon2Bound {
  hashesPerSecond: number;
  threads: number;
  params: Config['argon2'];
}

/** libuv's pool size as this process and the server child both see it (they share the variable). */
export function threadpoolSize(env: NodeJS.ProcessEnv): number {
  const size = Number(env.UV_THREADPOOL_SIZE);
  return Number.isInteger(size) && size > 0 ? Math.min(size, 1024) : 4;
}

/**
 * The most logins/s argon2 allows here: argon2id hashes of the server's parameters, with as
 * many in flight as the thread pool has threads (the server can do no better than that).
 */
export async function measureArgon2(params: Config['argon2'], threads: number, seconds: number): Promise<Argon2Bound> {
  // The server's own hasher, so parameters and options cannot drift apart.
  const hasher = new PasswordHasher(params);
  await hasher.hash('warm-up');
  let done = 0;
  const start = process.hrtime.bigint();
  const until = Date.now() + seconds * 1000;
  const lane = async () => {
    while (Date.now() < until) {
      await hasher.hash('correct horse battery staple');
      done++;
    }
  };
  await Promise.all(Array.from({ length: threads }, lane));
  const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  return { hashesPerSecond: done / elapsed, threads, params };
}
