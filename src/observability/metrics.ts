import type { ApolloServerPlugin } from '@apollo/server';
import type { MikroORM } from '@mikro-orm/postgresql';
import { Kind, type OperationDefinitionNode } from 'graphql';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { ErrorCode } from '../errors';

// Operation names come from clients; past this many distinct ones they share the label "other".
const MAX_OPERATION_NAMES = 200;
const OPERATION_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** Prometheus metrics for one app instance, in a registry of its own (tests run several apps). */
export class Metrics {
  readonly registry = new Registry();
  private readonly operationNames = new Set<string>();

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
  readonly rateLimited = new Counter({
    name: 'girok_rate_limited_total',
    help: 'Requests refused with RATE_LIMITED, by GraphQL field.',
    labelNames: ['field'] as const,
    registers: [this.registry],
  });

  constructor(orm: MikroORM) {
    collectDefaultMetrics({ register: this.registry, prefix: 'girok_' });
    new Gauge({
      name: 'girok_mail_outbox',
      help: 'Mails in the outbox by status (pending: not sent yet; failed: given up).',
      labelNames: ['status'] as const,
      registers: [this.registry],
      // Counted at scrape time on a fork of its own; the global EntityManager is never used.
      async collect() {
        const rows: { status: string; count: string }[] = await orm.em
          .fork()
          .getConnection()
          .execute(`select status, count(*) as count from mail_outbox where status in ('pending', 'failed') group by status`);
        this.reset();
        this.set({ status: 'pending' }, 0);
        this.set({ status: 'failed' }, 0);
        for (const row of rows) this.set({ status: row.status }, Number(row.count));
      },
    });
  }

  /** The text Prometheus scrapes. */
  scrape(): Promise<string> {
    return this.registry.metrics();
  }

  /** An Apollo plugin that times every operation and reads auth outcomes from its result. */
  apolloPlugin(): ApolloServerPlugin {
    return {
      requestDidStart: async () => {
        const started = process.hrtime.bigint();
        return {
          willSendResponse: async ({ operation, operationName, response }) => {
            const labels = { operation: this.operationLabel(operation, operationName), type: operation?.operation ?? 'invalid' };
            const body = response.body.kind === 'single' ? response.body.singleResult : null;
            const errors = body?.errors ?? [];
            this.duration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
            this.operations.inc({ ...labels, outcome: errors.length ? 'error' : 'ok' });
            this.countAuthOutcomes(operation, (body?.data ?? null) as Record<string, unknown> | null, errors);
          },
        };
      },
    };
  }

  private countAuthOutcomes(
    operation: OperationDefinitionNode | undefined,
    data: Record<string, unknown> | null,
    errors: readonly { path?: readonly (string | number)[]; extensions?: Record<string, unknown> }[],
  ): void {
    const fields = rootFields(operation);
    const codeAt = (key: string) => errors.find((e) => e.path?.[0] === key)?.extensions?.code;
    for (const error of errors) {
      const code = error.extensions?.code;
      const field = fields.get(String(error.path?.[0])) ?? 'none';
      if (code === ErrorCode.TOKEN_REUSED) this.refreshReuse.inc();
      if (code === ErrorCode.RATE_LIMITED) this.rateLimited.inc({ field });
    }
    if (operation?.operation !== 'mutation') return;
    for (const [key, name] of fields) {
      if (name !== 'login') continue;
      if (data?.[key]) this.logins.inc({ result: 'success', code: '' });
      else this.logins.inc({ result: 'failure', code: String(codeAt(key) ?? ErrorCode.INTERNAL_SERVER_ERROR) });
    }
  }

  private operationLabel(operation: OperationDefinitionNode | undefined, name: string | null | undefined): string {
    if (!operation) return 'invalid';
    if (!name) return 'anonymous';
    if (!OPERATION_NAME.test(name)) return 'other';
    if (!this.operationNames.has(name)) {
      if (this.operationNames.size >= MAX_OPERATION_NAMES) return 'other';
      this.operationNames.add(name);
    }
    return name;
  }
}

/** Response key (alias or name) -> field name, for the operation's top-level fields. */
function rootFields(operation: OperationDefinitionNode | undefined): Map<string, string> {
  const fields = new Map<string, string>();
  for (const selection of operation?.selectionSet.selections ?? []) {
    if (selection.kind === Kind.FIELD) fields.set(selection.alias?.value ?? selection.name.value, selection.name.value);
  }
  return fields;
}
