import { Arg, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { parseRefreshToken } from '../auth/validation';
import { CurrentViewer } from '../auth/current-user';
import type { RequestContext, Viewer } from '../context';
import { ForbiddenError } from '../errors';
import { recordEvent, SecurityEventType } from '../security/security-log';
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
  async logout(@Arg('refreshToken', () => String) refreshToken: string, @Ctx() ctx: RequestContext): Promise<boolean> {
    const token = parseRefreshToken(refreshToken);
    return ctx.em.transactional(async (tx) => {
      const session = await ctx.services.sessions.findByRefreshToken(tx, token);
      if (!session) return false;
      if (await ctx.services.sessions.revoke(tx, session, 'logout')) {
        recordEvent(tx, session.user, SecurityEventType.SESSION_REVOKED, ctx.client, session.id);
      }
      return true;
    });
  }

  @Authorized()
  @Mutation(() => Boolean, { description: 'Ends every session of the viewer, this one included.' })
  async logoutAll(@CurrentViewer() viewer: Viewer, @Ctx() ctx: RequestContext): Promise<boolean> {
    await ctx.em.transactional(async (tx) => {
      await ctx.services.sessions.revokeAll(tx, viewer.user, 'logout_all');
      recordEvent(tx, tx.merge(viewer.user), SecurityEventType.SESSION_REVOKED, ctx.client, viewer.sessionId);
    });
    return true;
  }

  @Authorized()
  @Mutation(() => Boolean, { description: "Ends one of the viewer's sessions." })
  async revokeSession(@Arg('id', () => ID) id: string, @CurrentViewer() viewer: Viewer, @Ctx() ctx: RequestContext): Promise<boolean> {
    return ctx.em.transactional(async (tx) => {
      const session = await tx.findOne(Session, { id: isUuid(id) ? id : '00000000-0000-0000-0000-000000000000' });
      // Someone else's session and no session at all look the same, so ids cannot be probed.
      if (!session || session.user.id !== viewer.user.id) throw new ForbiddenError('No such session of yours');
      if (await ctx.services.sessions.revoke(tx, session, 'revoked')) {
        recordEvent(tx, session.user, SecurityEventType.SESSION_REVOKED, ctx.client, session.id);
      }
      return true;
    });
  }
}

function isUuid(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}
