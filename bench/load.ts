import autocannon from 'autocannon';
import type { CpuSample } from './cpu';

export interface ScenarioResult {
  name: string;
  webConcurrency: number;
  connections: number;
  duration: number;
  /** Answers that carried the expected data; only these count in `requestsPerSecond`. */
  requests: number;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  /** non-2xx + GraphQL errors in a 2xx body + socket errors + timeouts. */
  errors: number;
  /** CPU time per request of the server (all its processes) and of PostgreSQL: robust where req/s is noisy. */
  serverCpuUs: number;
  postgresCpuUs: number;
  /** The first failing body, to say what went wrong. */
  sampleError?: string;
  /** When the measured part ran, in µs of the monotonic clock (what a --cpu-prof file's timestamps count). */
  window: { from: number; to: number };
}

/** One request shape (a GraphQL POST unless `method` says GET); `body` is called per request, `onData` sees each good response. */
export interface Scenario {
  name: string;
  method?: 'GET' | 'POST';
  /** A string every good answer's body contains (the data asked for): an answer without it is an error. */
  expect: string;
  /** Connections for this scenario, when not the run's setting. */
  connections?: number;
  headers?: () => Record<string, string>;
  /** Absent for a GET. */
  body?: () => string;
  onData?: (body: string) => void;
}

interface Counters {
  good: number;
  graphqlErrors: number;
  sampleError?: string;
}

/** Runs one scenario for `duration` seconds at `connections`, after an unmeasured warm-up. */
export async function runScenario(
  url: string,
  scenario: Scenario,
  settings: { duration: number; warmup: number; connections: number; webConcurrency: number; cpu: () => CpuSample },
): Promise<ScenarioResult> {
  const connections = scenario.connections ?? settings.connections;
  const counters: Counters = { good: 0, graphqlErrors: 0 };
  if (settings.warmup > 0) await fire(url, scenario, connections, settings.warmup, counters);
  const warmupErrors = counters.graphqlErrors;
  counters.graphqlErrors = 0;
  counters.good = 0;
  const before = settings.cpu();
  const from = monotonicUs();
  const result = await fire(url, scenario, connections, settings.duration, counters);
  const to = monotonicUs();
  const after = settings.cpu();
  const good = counters.good;
  const perRequest = (seconds: number) => (good ? (seconds * 1e6) / good : 0);
  const errors = counters.graphqlErrors + warmupErrors + result.errors + result.timeouts + nonSuccess(result);
  return {
    name: scenario.name,
    webConcurrency: settings.webConcurrency,
    connections,
    duration: settings.duration,
    requests: good,
    requestsPerSecond: good / settings.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors,
    serverCpuUs: perRequest(after.server - before.server),
    postgresCpuUs: perRequest(after.postgres - before.postgres),
    ...(counters.sampleError ? { sampleError: counters.sampleError } : {}),
    window: { from, to },
  };
}

function monotonicUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

function nonSuccess(result: autocannon.Result): number {
  return result.non2xx;
}

async function fire(url: string, scenario: Scenario, connections: number, seconds: number, counters: Counters): Promise<autocannon.Result> {
  const target = new URL(url);
  const body = scenario.body;
  const baseHeaders: Record<string, string> = body ? { 'content-type': 'application/json' } : {};
  return autocannon({
    url: target.origin,
    connections,
    duration: seconds,
    timeout: 30,
    requests: [
      {
        method: scenario.method ?? 'POST',
        path: target.pathname,
        setupRequest: (request) => ({
          ...request,
          headers: { ...baseHeaders, ...(scenario.headers?.() ?? {}) },
          ...(body ? { body: body() } : {}),
        }),
        onResponse: (status, body) => {
          // GraphQL reports most failures inside a 200: an `errors` key is a failed request.
          // A 200 without the data asked for (an `errors` key, a null field) is a failure too:
          // only answers a client could use count toward req/s.
          if (status < 200 || status >= 300 || body.includes('"errors"') || !body.includes(scenario.expect)) {
            if (status >= 200 && status < 300) counters.graphqlErrors++;
            counters.sampleError ??= `${status} ${body.slice(0, 300)}`;
            return;
          }
          counters.good++;
          scenario.onData?.(body);
        },
      },
    ],
  });
}
