import { Arg, Authorized, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import type { AdminService } from '../admin/admin.service';
import { User } from '../users/user.entity';
import type { Viewer, ViewerUser } from '../viewer/viewer';
import { CurrentViewer } from './auth-checker';
import { UserConnection } from './admin.types';
import type { RequestContext } from './context';

/** The admin API: every field needs the `admin` role, read live from the account. */
@Resolver()
export class AdminResolver {
  constructor(private readonly admin: AdminService) {}

  @Authorized('admin')
  @Query(() => UserConnection, { description: 'Accounts in creation order; `query` keeps those whose email starts with it.' })
  users(
    @Ctx() ctx: RequestContext,
    @Arg('first', () => Int, { nullable: true, defaultValue: 20 }) first: number,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
    @Arg('query', () => String, { nullable: true }) query?: string | null,
  ): Promise<UserConnection> {
    return this.admin.list(ctx.em, first, after, query);
  }

  @Authorized('admin')
  @Query(() => User, { nullable: true, description: 'One account by id; null when there is none.' })
  user(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext): Promise<ViewerUser | null> {
    return this.admin.find(ctx.em, id);
  }

  @Authorized('admin')
  @Mutation(() => User, { description: 'Replaces the roles of an account; each must be one of ROLES.' })
  setUserRoles(
    @Arg('id', () => ID) id: string,
    @Arg('roles', () => [String]) roles: string[],
    @CurrentViewer() viewer: Viewer,
    @Ctx() ctx: RequestContext,
  ): Promise<ViewerUser> {
    return this.admin.setRoles(ctx.em, viewer.user.id, id, roles);
  }

  @Authorized('admin')
  @Mutation(() => User, { description: 'Ends every session of the account at once; its sign-ins answer ACCOUNT_DISABLED until enableUser.' })
  disableUser(
    @Arg('id', () => ID) id: string,
    @Arg('reason', () => String, { nullable: true, description: 'Kept in the server log, not shown to the account holder.' }) reason: string | null,
    @CurrentViewer() viewer: Viewer,
    @Ctx() ctx: RequestContext,
  ): Promise<ViewerUser> {
    return this.admin.disable(ctx.em, viewer.user.id, id, reason);
  }

  @Authorized('admin')
  @Mutation(() => User, { description: 'Lets a disabled account sign in again.' })
  enableUser(@Arg('id', () => ID) id: string, @CurrentViewer() viewer: Viewer, @Ctx() ctx: RequestContext): Promise<ViewerUser> {
    return this.admin.enable(ctx.em, viewer.user.id, id);
  }
}
