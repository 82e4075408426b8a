import { Arg, Authorized, Ctx, Mutation, Resolver } from 'type-graphql';
import type { AccountDeletionService } from '../account/account-deletion.service';
import type { EmailChangeService } from '../account/email-change.service';
import type { LoginCodeService } from '../auth/login-code.service';
import type { Locale } from '../config';
import { User } from '../users/user.entity';
import type { Viewer, ViewerUser } from '../viewer/viewer';
import { CurrentViewer } from './auth-checker';
import { VerifyEmailInput } from './auth.inputs';
import { Token } from './auth.types';
import type { RequestContext } from './context';
import { LocaleEnum } from './locale.enum';
import { Sudo } from './sudo.guard';

/** Passwordless sign-in and the account holder's own changes to the account. */
@Resolver()
export class AccountResolver {
  constructor(
    private readonly loginCodes: LoginCodeService,
    private readonly emailChanges: EmailChangeService,
    private readonly deletions: AccountDeletionService,
  ) {}

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
    return ctx.tokens.deliver(() => this.loginCodes.login(ctx.em, input, ctx.client));
  }

  @Authorized()
  @Sudo()
  @Mutation(() => Boolean, {
    description: 'Mails a code to the new address (confirm with confirmEmailChange; sudo). True for any well-formed new address, so it reveals no account.',
  })
  requestEmailChange(@Arg('newEmail', () => String) newEmail: string, @CurrentViewer() viewer: Viewer, @Ctx() ctx: RequestContext): Promise<boolean> {
    return this.emailChanges.request(ctx.em, viewer, newEmail);
  }

  @Authorized()
  @Mutation(() => User, { description: 'Moves the account to the new address with the code mailed there; the old address is told.' })
  confirmEmailChange(@Arg('code', () => String) code: string, @CurrentViewer() viewer: Viewer, @Ctx() ctx: RequestContext): Promise<ViewerUser> {
    return this.emailChanges.confirm(ctx.em, viewer, code, ctx.client);
  }

  @Authorized()
  @Sudo()
  @Mutation(() => Boolean, { description: 'Erases the account and everything it holds; every token of it stops working at once (sudo).' })
  deleteAccount(@CurrentViewer() viewer: Viewer, @Ctx() ctx: RequestContext): Promise<boolean> {
    return this.deletions.delete(ctx.em, viewer);
  }
}
