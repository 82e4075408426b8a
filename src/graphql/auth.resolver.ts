import { Arg, Authorized, Ctx, Mutation, Resolver } from 'type-graphql';
import type { Locale } from '../config';
import type { LoginService } from '../auth/login.service';
import type { PasswordService } from '../auth/password.service';
import type { RefreshService } from '../auth/refresh.service';
import type { RegistrationService } from '../auth/registration.service';
import { UnauthenticatedError } from '../errors';
import type { Viewer } from '../viewer/viewer';
import { CurrentViewer } from './auth-checker';
import { ChangePasswordInput, LoginInput, RegisterInput, ResetPasswordInput, VerifyEmailInput } from './auth.inputs';
import { RegisterPayload, Token } from './auth.types';
import type { RequestContext } from './context';
import { LocaleEnum } from './locale.enum';

@Resolver()
export class AuthResolver {
  constructor(
    private readonly registration: RegistrationService,
    private readonly logins: LoginService,
    private readonly refreshes: RefreshService,
    private readonly passwords: PasswordService,
  ) {}

  @Mutation(() => RegisterPayload, { description: 'Creates the account (or joins a pending one) and mails a 6-digit code.' })
  register(
    @Arg('input', () => RegisterInput) input: RegisterInput,
    @Arg('locale', () => LocaleEnum, { nullable: true, description: 'Defaults to Accept-Language, then en.' }) locale: Locale | null,
    @Ctx() ctx: RequestContext,
  ): Promise<RegisterPayload> {
    return this.registration.register(ctx.em, input, locale ?? ctx.locale, ctx.client);
  }

  @Mutation(() => RegisterPayload, { description: 'Mails a new code to a pending registration, after the cooldown.' })
  resendVerificationCode(
    @Arg('email', () => String) email: string,
    @Arg('locale', () => LocaleEnum, { nullable: true }) locale: Locale | null,
    @Ctx() ctx: RequestContext,
  ): Promise<RegisterPayload> {
    return this.registration.resendVerificationCode(ctx.em, email, locale);
  }

  @Mutation(() => Token, { description: 'Checks the emailed code; a verified account is logged in at once.' })
  verifyEmail(@Arg('input', () => VerifyEmailInput) input: VerifyEmailInput, @Ctx() ctx: RequestContext): Promise<Token> {
    return ctx.tokens.deliver(() => this.registration.verifyEmail(ctx.em, input, ctx.client));
  }

  @Mutation(() => Token)
  login(@Arg('input', () => LoginInput) input: LoginInput, @Ctx() ctx: RequestContext): Promise<Token> {
    return ctx.tokens.deliver(() => this.logins.login(ctx.em, input, ctx.client));
  }

  @Mutation(() => Token, { description: 'Exchanges a refresh token for a new pair; the old one is spent.' })
  refreshToken(
    @Arg('refreshToken', () => String, { nullable: true, description: 'Omitted: the one in the HttpOnly cookie, and the next one goes back there.' })
    refreshToken: string | null,
    @Ctx() ctx: RequestContext,
  ): Promise<Token> {
    return ctx.tokens.deliver(() => {
      const presented = ctx.tokens.refreshToken(refreshToken);
      if (presented === null) throw new UnauthenticatedError('No refresh token: pass refreshToken, or send the session cookie');
      return this.refreshes.refresh(ctx.em, presented, ctx.client);
    });
  }

  @Mutation(() => Boolean, { description: 'Mails a reset code to a verified account. Always true, so it reveals no account.' })
  requestPasswordReset(
    @Arg('email', () => String) email: string,
    @Arg('locale', () => LocaleEnum, { nullable: true, description: "Defaults to the account's stored language." }) locale: Locale | null,
    @Ctx() ctx: RequestContext,
  ): Promise<boolean> {
    return this.passwords.requestReset(ctx.em, email, locale);
  }

  @Mutation(() => Token, { description: 'Sets a new password with the mailed code; ends every session and starts a new one.' })
  resetPassword(@Arg('input', () => ResetPasswordInput) input: ResetPasswordInput, @Ctx() ctx: RequestContext): Promise<Token> {
    return ctx.tokens.deliver(() => this.passwords.reset(ctx.em, input, ctx.client));
  }

  @Authorized()
  @Mutation(() => Token, { description: 'Needs the current password; ends every other session and renews this one.' })
  changePassword(
    @Arg('input', () => ChangePasswordInput) input: ChangePasswordInput,
    @CurrentViewer() viewer: Viewer,
    @Ctx() ctx: RequestContext,
  ): Promise<Token> {
    return ctx.tokens.deliver(() => this.passwords.change(ctx.em, viewer, input, ctx.client));
  }
}
