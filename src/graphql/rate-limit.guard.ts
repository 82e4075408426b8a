import { defaultFieldResolver, type GraphQLSchema } from 'graphql';
import type { RateLimits } from '../abuse/rate-limits';
import { parseEmail } from '../users/email-address';
import type { RequestContext } from './context';
import { MUTATION_POLICIES, emailArgument, type MutationPolicy } from './rate-limit.policy';

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
    field.resolve = async (root, args: Record<string, unknown>, ctx: RequestContext, info) => {
      const call = { name, ipBucket: policy.ip, ip: ctx.client.ip, account: await accountKey(policy, args, ctx), budget: policy.budget };
      return limits.run(call, async () => resolve(root, args, ctx, info));
    };
  }
}

// A malformed address names no account: the resolver answers it with BAD_USER_INPUT.
async function accountKey(policy: MutationPolicy, args: Record<string, unknown>, ctx: RequestContext): Promise<string | null> {
  if (!policy.budget) return null;
  if (policy.account === 'viewer') {
    const viewer = await ctx.viewer();
    return viewer ? `user:${viewer.user.id}` : null;
  }
  try {
    return `email:${parseEmail(emailArgument(args))}`;
  } catch {
    return null;
  }
}
