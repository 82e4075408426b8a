import { Arg, Authorized, Ctx, FieldResolver, Mutation, Resolver, Root } from 'type-graphql';
import type { ReauthenticateService } from '../auth/reauthenticate.service';
import type { SignIn } from '../auth/sign-in';
import { ForbiddenError } from '../errors';
import type { MfaService } from '../mfa/mfa.service';
import { User } from '../users/user.entity';
import type { Viewer, ViewerUser } from '../viewer/viewer';
import { CurrentViewer } from './auth-checker';
import { Token } from './auth.types';
import type { RequestContext } from './context';
import { MfaStatus, ReauthenticateInput, TotpEnrollment, VerifyMfaInput } from './mfa.types';
import { Sudo } from './sudo.guard';

@Resolver(() => User)
export class MfaResolver {
  constructor(
    private readonly service: MfaService,
    private readonly signIn: SignIn,
    private readonly reauth: ReauthenticateService,
    private readonly passkeys?: { count(em: RequestContext['em'], userId: string): Promise<number> },
  ) {}

  @Authorized()
  @Mutation(() => TotpEnrollment, { description: 'Starts adding an authenticator app (replacing a pending enrollment); active after confirmTotpEnrollment.' })
  startTotpEnrollment(@CurrentViewer() viewer: Viewer, @Ctx() ctx: RequestContext): Promise<TotpEnrollment> {
    return this.service.startTotpEnrollment(ctx.em, viewer);
  }

  @Authorized()
  @Mutation(() => [String], { description: 'A code from the app turns TOTP on. Returns 10 recovery codes, shown this once; each works once.' })
  confirmTotpEnrollment(@Arg('code', () => String) code: string, @CurrentViewer() viewer: Viewer, @Ctx() ctx: RequestContext): Promise<string[]> {
    return this.service.confirmTotpEnrollment(ctx.em, viewer, code, ctx.client);
  }

  @Authorized()
  @Sudo()
  @Mutation(() => Boolean, { description: 'Turns TOTP off and drops the recovery codes (sudo). False when it was not on.' })
  disableTotp(@CurrentViewer() viewer: Viewer, @Ctx() ctx: RequestContext): Promise<boolean> {
    return this.service.disableTotp(ctx.em, viewer, ctx.client);
  }

  @Authorized()
  @Sudo()
  @Mutation(() => [String], { description: 'Ten new recovery codes, shown this once; the earlier ones stop working (sudo).' })
  regenerateRecoveryCodes(@CurrentViewer() viewer: Viewer, @Ctx() ctx: RequestContext): Promise<string[]> {
    return this.service.regenerateRecoveryCodes(ctx.em, viewer, ctx.client);
  }

  @Mutation(() => Token, { description: 'Completes a sign-in that answered MFA_REQUIRED, with a code from the app or a recovery code.' })
  verifyMfa(@Arg('input', () => VerifyMfaInput) input: VerifyMfaInput, @Ctx() ctx: RequestContext): Promise<Token> {
    return ctx.tokens.deliver(() => this.signIn.verifyMfa(ctx.em, input, ctx.client));
  }

  @Authorized()
  @Mutation(() => Token, { description: 'Proves it is you again (password, or an app or recovery code): the renewed Token opens sudo mode for REAUTH_WINDOW.' })
  reauthenticate(
    @Arg('input', () => ReauthenticateInput) input: ReauthenticateInput,
    @CurrentViewer() viewer: Viewer,
    @Ctx() ctx: RequestContext,
  ): Promise<Token> {
    return ctx.tokens.deliver(() => this.reauth.reauthenticate(ctx.em, viewer, input, ctx.client));
  }

  @FieldResolver(() => MfaStatus, { description: 'Your second factors: only the account holder can read them.' })
  async mfa(@Root() user: ViewerUser, @Ctx() ctx: RequestContext): Promise<MfaStatus> {
    const viewer = await ctx.viewer();
    if (viewer?.user.id !== user.id) throw new ForbiddenError('Only the account holder can read its second factors');
    return { ...(await this.service.status(ctx.em, user.id)), passkeys: (await this.passkeys?.count(ctx.em, user.id)) ?? 0 };
  }
}
