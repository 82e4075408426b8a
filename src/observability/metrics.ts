import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Prometheus metrics for one app instance, in a registry of its own (tests run several apps). */
export class Metrics {
  readonly registry = new Registry();

  readonly operations = new Counter({
    name: 'girok_graphql_operations_total',
    help: 'GraphQL operations by operation name, type and outcome (ok: no errors).',
    labelNames: ['operation', 'type', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly duration = new Histogram({
    name: 'girok_graphql_operation_duration_seconds',
    help: 'Time from receiving a GraphQL operation to sending its response, by operation name.',
    labelNames: ['operation', 'type'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly logins = new Counter({
    name: 'girok_login_total',
    help: 'Login attempts: result success or failure; code is the error code of a failure.',
    labelNames: ['result', 'code'] as const,
    registers: [this.registry],
  });
  readonly refreshReuse = new Counter({
    name: 'girok_refresh_token_reuse_total',
    help: 'Rotated refresh tokens presented again after the grace window (the session was revoked).',
    registers: [this.registry],
  });
  readonly purged = new Counter({
    name: 'girok_purged_rows_total',
    help: 'Rows the periodic purge deleted because what they record has ended, by kind.',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly rateLimited = new Counter({
    name: 'girok_rate_limited_total',
    help: 'Requests refused with RATE_LIMITED, by GraphQL field.',
    labelNames: ['field'] as const,
    registers: [this.registry],
  });

  /** `outboxCounts` is read at scrape time (the mail outbox's pending and failed rows). */
  constructor(outboxCounts: () => Promise<Record<'pending' | 'failed', number>>) {
    collectDefaultMetrics({ register: this.registry, prefix: 'girok_' });
    new Gauge({
      name: 'girok_mail_outbox',
      help: 'Mails in the outbox by status (pending: not sent yet; failed: given up).',
      labelNames: ['status'] as const,
      registers: [this.registry],
      async collect() {
        const counts = await outboxCounts();
        this.set({ status: 'pending' }, counts.pending);
        this.set({ status: 'failed' }, counts.failed);
      },
    });
  }

  /** The text Prometheus scrapes. */
  scrape(): Promise<string> {
    return this.registry.metrics();
  }
}
