import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { startSmtpCapture } from '../test/support/smtp';
import { LOGIN, ME, PASSWORD, REFRESH, REGISTER, RUN_ID, createVerifiedAccounts, startSessions, type Account } from './accounts';
import { measureArgon2, threadpoolSize, type Argon2Bound } from './argon2-bound';
import { sampleCpu } from './cpu';
import { openBenchDatabase } from './database';
import { runScenario, type Scenario, type ScenarioResult } from './load';
import { readOptions, type BenchOptions } from './options';
import { printProfiles } from './profile-summary';
import { randomSecrets, startBetterAuthServer, startLimitServer, startServer, type BenchServer, type ServerSettings } from './server';

const RESULTS = resolve(__dirname, '../../bench/results');
const ACCOUNTS = 64;
const LOGIN_CONNECTIONS = [1, 8, 32];
// The performance issue's bars, measured in one run on one machine.
const TARGETS = { meOverTypename: 0.75, meOverLimit: 0.5, meOverBetterAuth: 8, loginOverArgon2: 0.95, refreshPerSecond: 1100, meP99Ms: 15 };

/** Everything that needs the server, for one WEB_CONCURRENCY value. */
async function measure(
  server: BenchServer,
  serverSettings: ServerSettings,
  options: BenchOptions,
  webConcurrency: number,
  full: boolean,
  accounts: () => Promise<Account[]>,
  argon2: (bound: Argon2Bound) => void,
  bounds: readonly Argon2Bound[],
): Promise<ScenarioResult[]> {
  const wanted = (name: string) => (options.only.length === 0 || options.only.includes(name)) && (full || name === '__typename' || name === 'me');
  const settings = { duration: options.duration, warmup: options.warmup, connections: options.connections, webConcurrency, cpu: () => sampleCpu(server.pid) };
  const results: ScenarioResult[] = [];
  const run = async (scenario: Scenario) => {
    const result = await runScenario(server.url, scenario, settings);
    printRow(result);
    results.push(result);
  };

  if (wanted('__typename')) await run({ name: '__typename', expect: '"__typename":"Query"', body: constant('{ __typename }') });
  if (wanted('me')) {
    const headers = (await accounts()).map((a) => ({ authorization: `Bearer ${a.tokens.accessToken}` }));
    let i = 0;
    await run({ name: 'me', expect: '"me":{"id"', headers: () => headers[i++ % headers.length], body: constant(ME) });
    if (full && wanted('me-limit')) {
      // The same request against the hand-written limit, on the same database, same tokens.
      const limit = await startLimitServer(serverSettings, server.config);
      try {
        const result = await runScenario(
          limit.url,
          { name: 'me-limit', expect: '"me":{"id"', headers: () => headers[i++ % headers.length], body: constant(ME) },
          { ...settings, cpu: () => sampleCpu(limit.pid) },
        );
        printRow(result);
        results.push(result);
      } finally {
        await limit.stop();
      }
    }
  }
  if (wanted('better-auth')) {
    // better-auth's get-session with a bearer token, on its own database of the same PostgreSQL.
    const database = await openBenchDatabase(null, options.adminDatabaseUrl);
    try {
      const betterAuth = await startBetterAuthServer(database.url, server.config);
      try {
        const { token, userId } = await betterAuthSession(betterAuth.url);
        const headers = { authorization: `Bearer ${token}` };
        // Only an answer carrying the session's user counts: a 200 with `null` is a failure.
        const result = await runScenario(
          `${betterAuth.url}/get-session`,
          { name: 'better-auth', method: 'GET', expect: `"id":"${userId}"`, headers: () => headers },
          { ...settings, cpu: () => sampleCpu(betterAuth.pid) },
        );
        printRow(result);
        results.push(result);
      } finally {
        await betterAuth.stop();
      }
    } finally {
      await database.drop();
    }
  }
  if (wanted('refreshToken')) {
    // Each token is presented once; its successor goes back in the pool. The pool holds more
    // tokens than there are connections, so a request never waits for one or reuses one.
    const pool = (await startSessions(server.url, await accounts(), options.connections * 2)).map((t) => t.refreshToken);
    await run({
      name: 'refreshToken',
      expect: '"refreshToken":{"accessToken"',
      body: () => JSON.stringify({ query: REFRESH, variables: { token: pool.shift() ?? 'pool-ran-dry' } }),
      onData: (body) => {
        const next = /"refreshToken":"([^"]+)"/.exec(body)?.[1];
        if (next) pool.push(next);
      },
    });
  }
  if (wanted('login')) {
    const threads = threadpoolSize(process.env);
    const emails = (await accounts()).map((a) => a.email);
    let i = 0;
    // Only answers carrying a token count: a RATE_LIMITED answer costs no hash and would flatter.
    for (const connections of options.smoke ? [options.connections] : LOGIN_CONNECTIONS) {
      // The bound at this concurrency: a client with c logins in flight keeps at most c hashes
      // busy, so one connection is held to one hash at a time, whatever the cores.
      const inFlight = Math.min(connections, threads);
      let bound = bounds.find((b) => b.threads === inFlight);
      if (!bound) {
        bound = await measureArgon2(server.config.argon2, inFlight, options.duration);
        argon2(bound);
        console.log(
          `${'argon2id bound'.padEnd(14)} ${String(inFlight).padStart(3)} thr ${fmt(bound.hashesPerSecond, 9)} hashes/s  (m=${bound.params.memoryCost} KiB, t=${bound.params.timeCost}, p=${bound.params.parallelism}, ${inFlight} in flight)`,
        );
      }
      await run({
        name: `login c${connections}`,
        expect: '"login":{"accessToken"',
        connections,
        body: () => JSON.stringify({ query: LOGIN, variables: { input: { email: emails[i++ % emails.length], password: PASSWORD } } }),
      });
    }
  }
  if (wanted('register')) {
    let n = 0;
    await run({
      name: 'register',
      expect: '"register":{"email"',
      body: () => JSON.stringify({ query: REGISTER, variables: { input: { email: `bench-${RUN_ID}-new${n++}@example.test`, password: PASSWORD } } }),
    });
  }
  return results;
}

async function main(): Promise<void> {
  const options = readOptions(process.argv.slice(2), process.env);
  const machine = { nproc: cpus().length, cpu: cpuModel(), node: process.version, threadpool: threadpoolSize(process.env) };
  console.log(`girok bench: ${machine.nproc} cpus (${machine.cpu}), node ${machine.node}, UV_THREADPOOL_SIZE ${machine.threadpool}`);
  console.log(
    `${options.smoke ? 'smoke: ' : ''}${options.duration} s per scenario after ${options.warmup} s warm-up, ${options.connections} connections, WEB_CONCURRENCY ${options.webConcurrency.join(' and ')}\n`,
  );
  console.log(
    `${'scenario'.padEnd(14)} ${'wc'.padStart(3)}     ${'req/s'.padStart(9)}  ${'p50 ms'.padStart(7)} ${'p99 ms'.padStart(7)} ${'errors'.padStart(7)}  ${'server CPU µs/req'.padStart(17)} ${'pg CPU µs/req'.padStart(13)}`,
  );

  const smtp = await startSmtpCapture();
  const database = await openBenchDatabase(options.databaseUrl, options.adminDatabaseUrl);
  const secrets = randomSecrets();
  const profileDir = options.profile ? join(RESULTS, 'profiles', new Date().toISOString().replace(/[:.]/g, '-')) : null;
  const scenarios: ScenarioResult[] = [];
  const argon2: Argon2Bound[] = [];
  let accounts: Promise<Account[]> | undefined;
  try {
    for (const [index, webConcurrency] of options.webConcurrency.entries()) {
      const serverSettings: ServerSettings = { databaseUrl: database.url, smtpUrl: smtp.url, webConcurrency, secrets, profileDir };
      const server = await startServer(serverSettings);
      try {
        const lazyAccounts = () => (accounts ??= createVerifiedAccounts(server.url, smtp, ACCOUNTS));
        scenarios.push(...(await measure(server, serverSettings, options, webConcurrency, index === 0, lazyAccounts, (b) => argon2.push(b), argon2)));
      } finally {
        await server.stop();
      }
    }
  } finally {
    await smtp.close();
    await database.drop();
  }

  const report = summarize(scenarios, argon2, machine, options);
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(join(RESULTS, 'latest.json'), JSON.stringify(report, null, 2) + '\n');
  console.log(`\nwritten to ${join('bench', 'results', 'latest.json')}`);
  if (profileDir) {
    // Kept beside the profiles, so `profile-summary.js <dir>` can split them by scenario later.
    writeFileSync(join(profileDir, 'scenarios.json'), JSON.stringify(scenarios, null, 2) + '\n');
    printProfiles(profileDir, scenarios);
  }

  const errors = scenarios.reduce((sum, s) => sum + s.errors, 0);
  if (errors > 0) {
    for (const s of scenarios.filter((s) => s.sampleError)) console.error(`${s.name} (wc ${s.webConcurrency}) failed like: ${s.sampleError}`);
    console.error(`\nFAILED: ${errors} errors under load`);
    process.exitCode = 1;
  }
}

function summarize(scenarios: ScenarioResult[], argon2: readonly Argon2Bound[], machine: object, options: BenchOptions) {
  const find = (name: string, wc = options.webConcurrency[0]) => scenarios.find((s) => s.name === name && s.webConcurrency === wc);
  const ratio = (a?: number, b?: number) => (a !== undefined && b ? a / b : null);
  const typename = find('__typename');
  const me = find('me');
  const refresh = find('refreshToken');
  const logins = scenarios.filter((s) => s.name.startsWith('login') && s.webConcurrency === options.webConcurrency[0]);
  const threads = threadpoolSize(process.env);
  const boundFor = (login: ScenarioResult) => argon2.find((b) => b.threads === Math.min(login.connections, threads));
  const limit = find('me-limit');
  const betterAuth = find('better-auth');
  const me2 = options.webConcurrency.length > 1 ? find('me', options.webConcurrency[1]) : undefined;
  const cores = Math.min(options.webConcurrency[0], (machine as { nproc: number }).nproc);
  const ratios = {
    meOverTypename: ratio(me?.requestsPerSecond, typename?.requestsPerSecond),
    meOverLimit: ratio(me?.requestsPerSecond, limit?.requestsPerSecond),
    meOverBetterAuth: ratio(me?.requestsPerSecond, betterAuth?.requestsPerSecond),
    // The same comparison in CPU (server + PostgreSQL) per request: steadier on a shared machine.
    betterAuthCpuOverMe: ratio(cpuPerRequest(betterAuth), cpuPerRequest(me)),
    // The worst concurrency is the figure: the bar holds at any of them.
    loginOverArgon2: logins.length ? Math.min(...logins.map((l) => ratio(l.requestsPerSecond, boundFor(l)?.hashesPerSecond) ?? 0)) : null,
    refreshPerSecond: refresh ? refresh.requestsPerSecond : null,
    meP99Ms: me?.p99 ?? null,
    ...(me2 ? { meScaling: ratio(me2.requestsPerSecond, me?.requestsPerSecond) } : {}),
  };
  console.log('\nratios');
  const line = (label: string, value: number | null, target: number, atMost = false, unit = '') => {
    if (value === null) return;
    const met = atMost ? value <= target : value >= target;
    console.log(`  ${label.padEnd(34)} ${fmt(value, 8, unit ? 1 : 2)}${unit}  target ${atMost ? '<=' : '>='} ${target}${unit}  ${met ? 'met' : 'MISSED'}`);
  };
  line('me / __typename', ratios.meOverTypename, TARGETS.meOverTypename);
  line('me / hand-written limit', ratios.meOverLimit, TARGETS.meOverLimit);
  line('me / better-auth get-session', ratios.meOverBetterAuth, TARGETS.meOverBetterAuth);
  if (ratios.betterAuthCpuOverMe !== null) console.log(`  ${'  the same in CPU per request'.padEnd(34)} ${fmt(ratios.betterAuthCpuOverMe, 8, 2)}`);
  for (const l of logins)
    line(`${l.name} / bound, ${boundFor(l)?.threads} in flight`, ratio(l.requestsPerSecond, boundFor(l)?.hashesPerSecond), TARGETS.loginOverArgon2);
  line(`refresh rotations (${cores} server core)`, ratios.refreshPerSecond, TARGETS.refreshPerSecond, false, '/s');
  line(`me p99 at ${options.connections} connections`, ratios.meP99Ms, TARGETS.meP99Ms, true, ' ms');
  if (me2) console.log(`  ${`me WEB_CONCURRENCY=${options.webConcurrency[1]} / ${options.webConcurrency[0]}`.padEnd(34)} ${fmt(ratios.meScaling ?? 0, 8, 2)}`);
  return { date: new Date().toISOString(), machine, options, argon2, scenarios, ratios, targets: TARGETS };
}

/** Signs one account up and in through better-auth's API; the bearer plugin hands out the token. */
async function betterAuthSession(base: string): Promise<{ token: string; userId: string }> {
  const email = `bench-${RUN_ID}-better-auth@example.test`;
  const post = async (path: string, body: object) => {
    const response = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: new URL(base).origin },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`better-auth ${path} answered ${response.status}: ${await response.text()}`);
    return response;
  };
  await post('/sign-up/email', { email, password: PASSWORD, name: 'Bench' });
  const signedIn = await post('/sign-in/email', { email, password: PASSWORD });
  const token = signedIn.headers.get('set-auth-token');
  const { user } = (await signedIn.json()) as { user?: { id?: string } };
  if (!token || !user?.id) throw new Error('better-auth sign-in gave no set-auth-token header or no user');
  return { token, userId: user.id };
}

function cpuPerRequest(result?: ScenarioResult): number | undefined {
  return result && result.serverCpuUs + result.postgresCpuUs;
}

function printRow(r: ScenarioResult): void {
  console.log(
    `${r.name.padEnd(14)} ${String(r.webConcurrency).padStart(3)}     ${fmt(r.requestsPerSecond, 9)}  ${fmt(r.p50, 7)} ${fmt(r.p99, 7)} ${String(r.errors).padStart(7)}  ${fmt(r.serverCpuUs, 17, 0)} ${fmt(r.postgresCpuUs, 13, 0)}`,
  );
}

function fmt(value: number, width: number, digits = 1): string {
  return value.toFixed(digits).padStart(width);
}

function constant(query: string): () => string {
  const body = JSON.stringify({ query });
  return () => body;
}

function cpuModel(): string {
  try {
    return /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1].trim() ?? cpus()[0]?.model ?? 'unknown';
  } catch {
    return cpus()[0]?.model ?? 'unknown';
  }
}

main().catch((error) => {
  console.error('bench failed:', error instanceof Error ? error.stack : error);
  process.exit(1);
});
