import { Arg, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { parseRefreshToken } from '../auth/validation';
import { CurrentViewer } from '../auth/current-user';
import type { RequestContext, Viewer } from '../context';
import { Session } from './session.entity';

@Resolver(() => Session)
export class SessionResolver {
  @Authorized()
  @Query(() => [Session], { description: "The viewer's live sessions, most recently used first." })
  sessions(@CurrentViewer() viewer: Viewer, @Ctx() ctx: RequestContext): Promise<Session[]> {
    return ctx.services.sessions.listLive(ctx.em, viewer.user);
  }

  @FieldResolver(() => Boolean, { description: 'True for the session of the token making this request.' })
  async current(@Root() session: Session, @Ctx() ctx: RequestContext): Promise<boolean> {
    return (await ctx.viewer())?.sessionId === session.id;
  }

  @Mutation(() => Boolean, { description: "Ends the refresh token's session; false if the token is unknown." })
  logout(@Arg('refreshToken', () => String) refreshToken: string, @Ctx() ctx: RequestContext): Promise<boolean> {
    return ctx.services.sessions.logout(ctx.em, parseRefreshToken(refreshToken), ctx.client);
  }

  @Authorized()
  @Mutation(() => Boolean, { description: 'Ends every session of the viewer, this one included.' })
  async logoutAll(@CurrentViewer() viewer: Viewer, @Ctx() ctx: RequestContext): Promise<boolean> {
    await ctx.services.sessions.logoutAll(ctx.em, viewer, ctx.client);
    return true;
  }

  @Authorized()
  @Mutation(() => Boolean, { description: "Ends one of the viewer's sessions." })
  async revokeSession(@Arg('id', () => ID) id: string, @CurrentViewer() viewer: Viewer, @Ctx() ctx: RequestContext): Promise<boolean> {
    await ctx.services.sessions.revokeOwn(ctx.em, viewer, id, ctx.client);
    return true;
  }
}
