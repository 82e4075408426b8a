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
  logout(@Arg('refreshToken', () => String) refreshToken: string, @Ctx() ctx: RequestContext): Promise<boolean> {
    return this.service.logout(ctx.em, refreshToken, ctx.client);
  }

  @Authorized()
  @Mutation(() => Boolean, { description: 'Ends every session of the viewer, this one included.' })
  async logoutAll(@CurrentViewer() viewer: Viewer, @Ctx() ctx: RequestContext): Promise<boolean> {
    await this.service.logoutAll(ctx.em, viewer, ctx.client);
    return true;
  }

  @Authorized()
  @Mutation(() => Boolean, { description: "Ends one of the viewer's sessions." })
  async revokeSession(@Arg('id', () => ID) id: string, @CurrentViewer() viewer: Viewer, @Ctx() ctx: RequestContext): Promise<boolean> {
    await this.service.revokeOwn(ctx.em, viewer, id, ctx.client);
    return true;
  }
}
