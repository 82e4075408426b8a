import { Ctx, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '../context';
import { User } from './user.entity';

@Resolver(() => User)
export class UserResolver {
  @Query(() => User, { nullable: true, description: 'The account behind the bearer token; null without a live token.' })
  async me(@Ctx() ctx: RequestContext): Promise<User | null> {
    return (await ctx.viewer())?.user ?? null;
  }
}
