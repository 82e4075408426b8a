import type { EntityManager } from '@mikro-orm/postgresql';
import { defaultFieldResolver, type GraphQLSchema } from 'graphql';
import type { RateLimits } from '../abuse/rate-limits';
import { parseEmail } from '../users/email-address';
import type { RequestContext } from './context';

/** Finds whose account a call targets when its arguments name it only indirectly. */
export interface AccountOwners {
  /** The address of the account a pending sign-in's mfaToken belongs to, or null. */
  ofMfaToken(em: EntityManager, mfaToken: string): Promise<string | null>;
  /** The address of the account holding this passkey credential, else of the one the challenge named, or null. */
  ofPasskeyAssertion(em: EntityManager, challengeId: unknown, credentialId: unknown): Promise<string | null>;
}
import { MUTATION_POLICIES, emailArgument, type MutationPolicy } from './rate-limit.policy';

/**
 * Wraps the resolver of every Mutation field named in MUTATION_POLICIES so each call, aliased
 * or not, spends its budgets. Only those fields are wrapped: queries such as `me` pay nothing.
 */
export function guardMutations(schema: GraphQLSchema, limits: RateLimits, owners: AccountOwners): void {
  const fields = schema.getMutationType()?.getFields() ?? {};
  for (const [name, policy] of Object.entries(MUTATION_POLICIES)) {
    const field = fields[name];
    if (!field) continue;
    const resolve = field.resolve ?? defaultFieldResolver;
    field.resolve = async (root, args: Record<string, unknown>, ctx: RequestContext, info) => {
      const budget = typeof policy.budget === 'function' ? policy.budget(args) : policy.budget;
      const call = { name, ipBucket: policy.ip, ip: ctx.client.ip, account: await accountKey(policy, args, ctx, owners), budget };
      return limits.run(call, async () => resolve(root, args, ctx, info));
    };
  }
}

// A malformed address names no account: the resolver answers it with BAD_USER_INPUT.
async function accountKey(policy: MutationPolicy, args: Record<string, unknown>, ctx: RequestContext, owners: AccountOwners): Promise<string | null> {
  if (!policy.budget) return null;
  if (policy.account === 'viewer') {
    const viewer = await ctx.viewer();
    return viewer ? `user:${viewer.user.id}` : null;
  }
  if (policy.account === 'mfaToken') {
    const input = args.input as { mfaToken?: unknown } | undefined;
    const email = typeof input?.mfaToken === 'string' ? await owners.ofMfaToken(ctx.em, input.mfaToken) : null;
    return email ? `email:${email}` : null;
  }
  if (policy.account === 'passkey') {
    const response = args.response as { id?: unknown } | null | undefined;
    const email = await owners.ofPasskeyAssertion(ctx.em, args.challengeId, response && typeof response === 'object' ? response.id : undefined);
    return email ? `email:${email}` : null;
  }
  try {
    return `email:${parseEmail(emailArgument(args))}`;
  } catch {
    return null;
  }
}
