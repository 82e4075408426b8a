import { Arg, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { SessionService } from '../auth/session.service';
import { Session } from '../sessions/session.entity';
import type { Viewer } from '../viewer/viewer';
import { CurrentViewer } from './auth-checker';
import type { RequestContext } from './context';

@Resolver(() => Session)
export class SessionResolver {
  constructor(private readonly service: SessionService) {}

  @Authorized()
  @Query(() => [Session], { description: "The viewer's live sessions, most recently used first." })
  sessions(@CurrentViewer() viewer: Viewer, @Ctx() ctx: RequestContext): Promise<Session[]> {
    return this.service.list(ctx.em, viewer);
  }

  @FieldResolver(() => Boolean, { description: 'True for the session of the token making this request.' })
  async current(@Root() session: Session, @Ctx() ctx: RequestContext): Promise<boolean> {
    return (await ctx.viewer())?.sessionId === session.id;
  }

  @Mutation(() => Boolean, { description: "Ends the refresh token's session; false if the token is unknown." })
  async logout(
    @Arg('refreshToken', () => String, { nullable: true, description: 'Omitted: the one in the HttpOnly cookie, which is cleared.' })
    refreshToken: string | null,
    @Ctx() ctx: RequestContext,
  ): Promise<boolean> {
    const presented = ctx.tokens.refreshToken(refreshToken);
    try {
      return presented !== null && (await this.service.logout(ctx.em, presented, ctx.client));
    } finally {
      // A malformed or unknown cookie is dropped too: it can never sign anyone in.
      ctx.tokens.clear();
    }
  }

  @Authorized()
  @Mutation(() => Boolean, { description: 'Ends every session of the viewer, this one included.' })
  async logoutAll(@CurrentViewer() viewer: Viewer, @Ctx() ctx: RequestContext): Promise<boolean> {
    await this.service.logoutAll(ctx.em, viewer, ctx.client);
    ctx.tokens.clear();
    return true;
  }

  @Authorized()
  @Mutation(() => Boolean, { description: "Ends one of the viewer's sessions." })
  async revokeSession(@Arg('id', () => ID) id: string, @CurrentViewer() viewer: Viewer, @Ctx() ctx: RequestContext): Promise<boolean> {
    await this.service.revokeOwn(ctx.em, viewer, id, ctx.client);
    return true;
  }
}
