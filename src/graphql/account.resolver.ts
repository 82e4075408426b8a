import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import type { LoginCodeService } from '../auth/login-code.service';
import type { Locale } from '../config';
import { VerifyEmailInput } from './auth.inputs';
import { Token } from './auth.types';
import type { RequestContext } from './context';
import { LocaleEnum } from './locale.enum';

/** Passwordless sign-in and the account holder's own changes to the account. */
@Resolver()
export class AccountResolver {
  constructor(private readonly loginCodes: LoginCodeService) {}

  @Mutation(() => Boolean, { description: 'Mails a sign-in code to a verified account. Always true, so it reveals no account.' })
  requestLoginCode(
    @Arg('email', () => String) email: string,
    @Arg('locale', () => LocaleEnum, { nullable: true, description: "Defaults to the account's stored language." }) locale: Locale | null,
    @Ctx() ctx: RequestContext,
  ): Promise<boolean> {
    return this.loginCodes.requestCode(ctx.em, email, locale);
  }

  @Mutation(() => Token, { description: 'Signs in with the code from requestLoginCode.' })
  loginWithCode(@Arg('input', () => VerifyEmailInput) input: VerifyEmailInput, @Ctx() ctx: RequestContext): Promise<Token> {
    return this.loginCodes.login(ctx.em, input, ctx.client);
  }
}
