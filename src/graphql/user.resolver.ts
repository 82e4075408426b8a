import { Arg, Ctx, FieldResolver, Int, Query, Resolver, Root } from 'type-graphql';
import { ForbiddenError } from '../errors';
import type { SecurityTimeline } from '../security/timeline';
import { User } from '../users/user.entity';
import type { ViewerUser } from '../viewer/viewer';
import type { RequestContext } from './context';
import { SecurityEventConnection } from './security-event.types';

@Resolver(() => User)
export class UserResolver {
  constructor(private readonly timeline: SecurityTimeline) {}

  @Query(() => User, { nullable: true, description: 'The account behind the bearer token; null without a live token.' })
  async me(@Ctx() ctx: RequestContext): Promise<ViewerUser | null> {
    return (await ctx.viewer())?.user ?? null;
  }

  @FieldResolver(() => Boolean, { description: 'False for an account that signs in without a password (choose one with the reset flow).' })
  hasPassword(@Root() user: ViewerUser): boolean {
    return user.hasPassword;
  }

  @FieldResolver(() => SecurityEventConnection, { description: 'The security timeline: only the account holder, or an administrator, can read it.' })
  async securityEvents(
    @Root() user: ViewerUser,
    @Ctx() ctx: RequestContext,
    @Arg('first', () => Int, { nullable: true, defaultValue: 20 }) first: number,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
  ): Promise<SecurityEventConnection> {
    const viewer = await ctx.viewer();
    if (viewer?.user.id !== user.id && !viewer?.user.roles.includes('admin')) throw new ForbiddenError('Only the account holder can read its security events');
    return this.timeline.page(ctx.em, user.id, first, after);
  }
}
