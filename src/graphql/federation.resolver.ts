import { Arg, Authorized, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { FederationService } from '../federation/federation.service';
import type { FederatedIdentity } from '../federation/identity.store';
import type { IdentityService } from '../federation/identity.service';
import { ForbiddenError, UnauthenticatedError } from '../errors';
import { User } from '../users/user.entity';
import type { Viewer, ViewerUser } from '../viewer/viewer';
import { CurrentViewer } from './auth-checker';
import { Token } from './auth.types';
import type { RequestContext } from './context';
import { AuthProvider, Identity, OAuthStart } from './federation.types';
import { assertRecentAuthentication, Sudo } from './sudo.guard';

/** Sign-in with Google, GitHub or an OpenID Connect provider, and the account's linked identities. */
@Resolver(() => User)
export class FederationResolver {
  constructor(
    private readonly federation: FederationService,
    private readonly identityService: IdentityService,
    private readonly reauthWindow: number,
  ) {}

  @Query(() => [AuthProvider], { description: 'The configured sign-in providers, for the login buttons.' })
  authProviders(): AuthProvider[] {
    return this.federation.providers();
  }

  @Mutation(() => OAuthStart, {
    description:
      'Starts a sign-in at a provider; the browser comes back to redirectUrl (one of OAUTH_REDIRECT_URLS) with ?ticket= for completeOAuth, or ?error=. With link: true (a bearer token and sudo) the provider is linked to the signed-in account.',
  })
  async startOAuth(
    @Arg('provider', () => String) provider: string,
    @Arg('redirectUrl', () => String) redirectUrl: string,
    @Arg('link', () => Boolean, { nullable: true }) link: boolean | null,
    @Ctx() ctx: RequestContext,
  ): Promise<OAuthStart> {
    let linkUserId: string | null = null;
    if (link) {
      const viewer = await ctx.viewer();
      if (!viewer) throw new UnauthenticatedError();
      assertRecentAuthentication(viewer, this.reauthWindow);
      linkUserId = viewer.user.id;
    }
    return this.federation.start(ctx.em, provider, redirectUrl, linkUserId);
  }

  @Mutation(() => Token, { description: 'Trades the ticket of a finished provider sign-in (single use, 60 s) for a session (amr fed), or MFA_REQUIRED.' })
  completeOAuth(@Arg('ticket', () => String) ticket: string, @Ctx() ctx: RequestContext): Promise<Token> {
    return ctx.tokens.deliver(() => this.federation.complete(ctx.em, ticket, ctx.client));
  }

  @Authorized()
  @Sudo()
  @Mutation(() => Boolean, { description: 'Unlinks the provider from the account (sudo); LAST_SIGN_IN_METHOD if nothing else would sign in.' })
  unlinkIdentity(@Arg('provider', () => String) provider: string, @CurrentViewer() viewer: Viewer, @Ctx() ctx: RequestContext): Promise<boolean> {
    return this.identityService.unlink(ctx.em, viewer, provider, ctx.client);
  }

  @FieldResolver(() => [Identity], { description: 'The sign-in providers linked to the account: only the holder, or an administrator, can read them.' })
  async identities(@Root() user: ViewerUser, @Ctx() ctx: RequestContext): Promise<FederatedIdentity[]> {
    const viewer = await ctx.viewer();
    if (viewer?.user.id !== user.id && !viewer?.user.roles.includes('admin')) throw new ForbiddenError('Only the account holder can read its identities');
    return this.identityService.list(ctx.em, user.id);
  }
}
