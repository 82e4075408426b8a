import type { ApolloServerPlugin } from '@apollo/server';
import { Kind, OperationTypeNode, type OperationDefinitionNode } from 'graphql';
import { ErrorCode } from '../errors';
import type { Metrics } from '../observability/metrics';
import type { RequestContext } from './context';

// Operation names come from clients; past this many distinct ones they share the label "other".
const MAX_OPERATION_NAMES = 200;
const OPERATION_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** An Apollo plugin that times every operation and reads auth outcomes from its result. */
export class MetricsPlugin {
  private readonly operationNames = new Set<string>();

  constructor(private readonly metrics: Metrics) {}

  plugin(): ApolloServerPlugin<RequestContext> {
    return {
      requestDidStart: async () => {
        const started = process.hrtime.bigint();
        return {
          willSendResponse: async ({ operation, operationName, response }) => {
            const labels = { operation: this.operationLabel(operation, operationName), type: operation?.operation ?? 'invalid' };
            const body = response.body.kind === 'single' ? response.body.singleResult : null;
            const errors = body?.errors ?? [];
            this.metrics.duration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
            this.metrics.operations.inc({ ...labels, outcome: errors.length ? 'error' : 'ok' });
            this.countAuthOutcomes(operation, body?.data ?? null, errors);
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
      if (code === ErrorCode.TOKEN_REUSED) this.metrics.refreshReuse.inc();
      if (code === ErrorCode.RATE_LIMITED) this.metrics.rateLimited.inc({ field });
    }
    if (operation?.operation !== OperationTypeNode.MUTATION) return;
    for (const [key, name] of fields) {
      if (name !== 'login') continue;
      if (data?.[key]) this.metrics.logins.inc({ result: 'success', code: '' });
      else this.metrics.logins.inc({ result: 'failure', code: textOf(codeAt(key)) ?? ErrorCode.INTERNAL_SERVER_ERROR });
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

function textOf(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
