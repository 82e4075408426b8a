import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import type { RequestContext } from '../context';
import { parseRefreshToken } from './validation';
import { LoginInput, RegisterInput, VerifyEmailInput } from './auth.inputs';
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
    return ctx.services.registration.register(ctx.em, input, locale ?? ctx.preferredLocale());
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
}
