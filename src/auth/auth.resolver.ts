import { Arg, Authorized, Ctx, Mutation, Resolver } from 'type-graphql';
import type { RequestContext, Viewer } from '../context';
import { CurrentViewer } from './current-user';
import { parseRefreshToken } from './validation';
import { ChangePasswordInput, LoginInput, RegisterInput, ResetPasswordInput, VerifyEmailInput } from './auth.inputs';
import { RegisterPayload, Token } from './auth.types';
import { LocaleArg } from './locale';

@Resolver()
export class AuthResolver {
  @Mutation(() => RegisterPayload, { description: 'Creates the account (or replaces a pending one) and mails a 6-digit code.' })
  register(
    @Arg('input', () => RegisterInput) input: RegisterInput,
    @Arg('locale', () => LocaleArg, { nullable: true, description: 'Defaults to Accept-Language, then en.' }) locale: LocaleArg | null,
    @Ctx() ctx: RequestContext,
  ): Promise<RegisterPayload> {
    return ctx.services.registration.register(ctx.em, input, locale ?? ctx.preferredLocale(), ctx.client);
  }

  @Mutation(() => RegisterPayload, { description: 'Mails a new code to a pending registration, after the cooldown.' })
  resendVerificationCode(
    @Arg('email', () => String) email: string,
    @Arg('locale', () => LocaleArg, { nullable: true }) locale: LocaleArg | null,
    @Ctx() ctx: RequestContext,
  ): Promise<RegisterPayload> {
    return ctx.services.registration.resendVerificationCode(ctx.em, email, locale);
  }

  @Mutation(() => Token, { description: 'Checks the emailed code; a verified account is logged in at once.' })
  verifyEmail(@Arg('input', () => VerifyEmailInput) input: VerifyEmailInput, @Ctx() ctx: RequestContext): Promise<Token> {
    return ctx.services.registration.verifyEmail(ctx.em, input, ctx.client);
  }

  @Mutation(() => Token)
  login(@Arg('input', () => LoginInput) input: LoginInput, @Ctx() ctx: RequestContext): Promise<Token> {
    return ctx.services.login.login(ctx.em, input, ctx.client);
  }

  @Mutation(() => Token, { description: 'Exchanges a refresh token for a new pair; the old one is spent.' })
  refreshToken(@Arg('refreshToken', () => String) refreshToken: string, @Ctx() ctx: RequestContext): Promise<Token> {
    return ctx.services.login.refresh(ctx.em, parseRefreshToken(refreshToken), ctx.client);
  }

  @Mutation(() => Boolean, { description: 'Mails a reset code to a verified account. Always true, so it reveals no account.' })
  requestPasswordReset(
    @Arg('email', () => String) email: string,
    @Arg('locale', () => LocaleArg, { nullable: true, description: "Defaults to the account's stored language." }) locale: LocaleArg | null,
    @Ctx() ctx: RequestContext,
  ): Promise<boolean> {
    return ctx.services.passwords.requestReset(ctx.em, email, locale);
  }

  @Mutation(() => Token, { description: 'Sets a new password with the mailed code; ends every session and starts a new one.' })
  resetPassword(@Arg('input', () => ResetPasswordInput) input: ResetPasswordInput, @Ctx() ctx: RequestContext): Promise<Token> {
    return ctx.services.passwords.reset(ctx.em, input, ctx.client);
  }

  @Authorized()
  @Mutation(() => Token, { description: 'Needs the current password; ends every other session and renews this one.' })
  changePassword(
    @Arg('input', () => ChangePasswordInput) input: ChangePasswordInput,
    @CurrentViewer() viewer: Viewer,
    @Ctx() ctx: RequestContext,
  ): Promise<Token> {
    return ctx.services.passwords.change(ctx.em, viewer, input, ctx.client);
  }
}
