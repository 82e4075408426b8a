import type { ApolloServerPlugin } from '@apollo/server';
import { Kind, OperationTypeNode, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import { ErrorCode } from '../errors';
import type { Metrics } from '../observability/metrics';
import type { RequestContext } from './context';

// More root fields than this in one operation are labelled "multiple".
const MAX_LABELLED_FIELDS = 3;

/**
 * An Apollo plugin that times every operation and reads auth outcomes from its result. The
 * `operation` label is made of the operation's root fields as the schema names them (`me`,
 * `login`, `me+sessions`), never of the client-chosen operation name: a label set clients could
 * grow would crowd out the real operations (and the memory of the metrics registry).
 */
export class MetricsPlugin {
  private readonly knownFields: ReadonlySet<string>;
  /** Apollo hands the same parsed document to every request of the same text: label it once. */
  private readonly labels = new WeakMap<OperationDefinitionNode, string>();

  constructor(
    private readonly metrics: Metrics,
    schema: GraphQLSchema,
  ) {
    const roots = [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()];
    this.knownFields = new Set(['__typename', ...roots.flatMap((type) => Object.keys(type?.getFields() ?? {}))]);
  }

  plugin(): ApolloServerPlugin<RequestContext> {
    return {
      requestDidStart: async () => {
        const started = process.hrtime.bigint();
        return {
          willSendResponse: async ({ operation, response }) => {
            const labels = { operation: this.operationLabel(operation), type: operation?.operation ?? 'invalid' };
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
    // A query or subscription without errors (most requests) has nothing to count here.
    if (errors.length === 0 && operation?.operation !== OperationTypeNode.MUTATION) return;
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

  private operationLabel(operation: OperationDefinitionNode | undefined): string {
    if (!operation) return 'invalid';
    let label = this.labels.get(operation);
    if (label === undefined) {
      label = this.labelOf(operation);
      this.labels.set(operation, label);
    }
    return label;
  }

  private labelOf(operation: OperationDefinitionNode): string {
    const fields = [...new Set(rootFields(operation).values())].sort();
    if (fields.length === 0 || fields.some((field) => !this.knownFields.has(field))) return 'invalid';
    return fields.length > MAX_LABELLED_FIELDS ? 'multiple' : fields.join('+');
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
