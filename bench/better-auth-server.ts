/**
 * better-auth as a user would run it beside us, for `me` ÷ better-auth `get-session`: its
 * Node handler on node:http, a pg pool on its own database of the same PostgreSQL server, its
 * tables made by its own migration API, email and password sign-in with argon2id at Girok's
 * parameters through its password hooks, and the bearer plugin. Its rate limiter is off (the
 * bench's load comes from one address; Girok's per-IP budgets are lifted for the same reason).
 * Everything else keeps better-auth's defaults: no secondary storage and no cookie cache, so
 * every `get-session` reads the session and its user from PostgreSQL.
 */
import { createServer } from 'node:http';
import argon2 from 'argon2';
import { betterAuth } from 'better-auth';
import { getMigrations } from 'better-auth/db/migration';
import { toNodeHandler } from 'better-auth/node';
import { bearer } from 'better-auth/plugins/bearer';
import { Pool } from 'pg';

const port = Number(process.env.PORT);
const hashOptions = {
  type: argon2.argon2id,
  memoryCost: Number(process.env.ARGON2_MEMORY_KIB),
  timeCost: Number(process.env.ARGON2_ITERATIONS),
  parallelism: Number(process.env.ARGON2_PARALLELISM),
} as const;
const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.DATABASE_POOL_SIZE ?? 10) });

const auth = betterAuth({
  database: pool,
  secret: process.env.BETTER_AUTH_SECRET,
  baseURL: `http://127.0.0.1:${port}`,
  emailAndPassword: {
    enabled: true,
    password: {
      hash: (password) => argon2.hash(password, hashOptions),
      verify: ({ hash, password }) => argon2.verify(hash, password),
    },
  },
  plugins: [bearer()],
  rateLimit: { enabled: false },
  telemetry: { enabled: false },
  logger: { level: 'warn' },
});

async function main(): Promise<void> {
  const { runMigrations } = await getMigrations(auth.options);
  await runMigrations();
  const handle = toNodeHandler(auth);
  // A request whose client went away still runs to its end: the pool closes after the last one.
  let running = 0;
  let drained = () => {};
  const server = createServer((request, response) => {
    running++;
    void handle(request, response)
      .catch(() => {
        // A failure the handler did not turn into an answer: a 500 the bench counts as an error.
        if (!response.headersSent) response.writeHead(500);
        response.end();
      })
      .finally(() => --running === 0 && drained());
  });
  server.listen(port, '127.0.0.1', () => console.log('better-auth listening'));
  process.on('SIGTERM', () => {
    server.close();
    drained = () => void pool.end().then(() => process.exit(0));
    if (running === 0) drained();
  });
}

main().catch((error) => {
  console.error('better-auth server failed:', error);
  process.exit(1);
});
