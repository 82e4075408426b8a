import { defaultFieldResolver, type GraphQLSchema } from 'graphql';
import type { RequestContext } from '../context';
import { MUTATION_POLICIES } from './policy';
import type { RateLimits } from './rate-limits';

/**
 * Wraps the resolver of every Mutation field named in MUTATION_POLICIES so each call, aliased
 * or not, spends its budgets. Only those fields are wrapped: queries such as `me` pay nothing.
 */
export function guardMutations(schema: GraphQLSchema, limits: RateLimits): void {
  const fields = schema.getMutationType()?.getFields() ?? {};
  for (const [name, policy] of Object.entries(MUTATION_POLICIES)) {
    const field = fields[name];
    if (!field) continue;
    const resolve = field.resolve ?? defaultFieldResolver;
    field.resolve = (root, args: Record<string, unknown>, ctx: RequestContext, info) =>
      limits.run(name, policy, args, ctx, async () => resolve(root, args, ctx, info));
  }
}
