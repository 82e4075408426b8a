import { GraphQLJSON } from 'graphql-scalars';
import { Arg, Authorized, Ctx, FieldResolver, ID, Mutation, Resolver, Root } from 'type-graphql';
import { ForbiddenError } from '../errors';
import type { PasskeyLoginService } from '../passkeys/passkey-login.service';
import type { PasskeyService } from '../passkeys/passkey.service';
import { User } from '../users/user.entity';
import type { Viewer, ViewerUser } from '../viewer/viewer';
import { CurrentViewer } from './auth-checker';
import { Token } from './auth.types';
import type { RequestContext } from './context';
import { Passkey, PasskeyChallenge } from './passkey.types';
import { Sudo } from './sudo.guard';

@Resolver(() => User)
export class PasskeyResolver {
  constructor(
    private readonly service: PasskeyService,
    private readonly logins: PasskeyLoginService,
  ) {}

  @Authorized()
  @Mutation(() => GraphQLJSON, {
    description: 'Starts adding a passkey: PublicKeyCredentialCreationOptionsJSON for navigator.credentials.create(); replaces a pending registration.',
  })
  startPasskeyRegistration(@CurrentViewer() viewer: Viewer, @Ctx() ctx: RequestContext): Promise<unknown> {
    return this.service.startRegistration(ctx.em, viewer);
  }

  @Authorized()
  @Mutation(() => Passkey, { description: "Adds the passkey: `response` is the new credential's toJSON(). Mails the account a notice." })
  finishPasskeyRegistration(
    @Arg('response', () => GraphQLJSON) response: unknown,
    @Arg('name', () => String, { nullable: true, description: 'At most 64 characters.' }) name: string | null,
    @CurrentViewer() viewer: Viewer,
    @Ctx() ctx: RequestContext,
  ): Promise<Passkey> {
    return this.service.finishRegistration(ctx.em, viewer, response, name, ctx.client);
  }

  @Mutation(() => PasskeyChallenge, {
    description:
      'Starts a passkey sign-in. With `email`: that account’s passkeys are offered. Without: any discoverable passkey. With `mfaToken`: completes a sign-in that answered MFA_REQUIRED.',
  })
  startPasskeyLogin(
    @Arg('email', () => String, { nullable: true }) email: string | null,
    @Arg('mfaToken', () => String, { nullable: true }) mfaToken: string | null,
    @Ctx() ctx: RequestContext,
  ): Promise<PasskeyChallenge> {
    return this.logins.start(ctx.em, { email, mfaToken });
  }

  @Mutation(() => Token, {
    description:
      "Finishes a passkey sign-in: `response` is the credential's toJSON(). With the bearer token of the passkey's own account it re-authenticates that session (sudo mode) instead.",
  })
  async finishPasskeyLogin(
    @Arg('challengeId', () => ID) challengeId: string,
    @Arg('response', () => GraphQLJSON) response: unknown,
    @Ctx() ctx: RequestContext,
  ): Promise<Token> {
    const viewer = await ctx.viewer();
    return ctx.tokens.deliver(() => this.logins.finish(ctx.em, challengeId, response, ctx.client, viewer));
  }

  @Authorized()
  @Mutation(() => Passkey, { description: 'Renames one of your passkeys (null clears the name).' })
  renamePasskey(
    @Arg('id', () => ID) id: string,
    @Arg('name', () => String, { nullable: true }) name: string | null,
    @CurrentViewer() viewer: Viewer,
    @Ctx() ctx: RequestContext,
  ): Promise<Passkey> {
    return this.service.rename(ctx.em, viewer, id, name);
  }

  @Authorized()
  @Sudo()
  @Mutation(() => Boolean, {
    description:
      'Removes one of your passkeys (sudo). False when you have none with this id; LAST_SIGN_IN_METHOD when it is the last way into an account without a password.',
  })
  deletePasskey(@Arg('id', () => ID) id: string, @CurrentViewer() viewer: Viewer, @Ctx() ctx: RequestContext): Promise<boolean> {
    return this.service.remove(ctx.em, viewer, id, ctx.client);
  }

  @FieldResolver(() => [Passkey], { description: 'Your passkeys, oldest first: only the account holder can read them.' })
  async passkeys(@Root() user: ViewerUser, @Ctx() ctx: RequestContext): Promise<Passkey[]> {
    const viewer = await ctx.viewer();
    if (viewer?.user.id !== user.id) throw new ForbiddenError('Only the account holder can read its passkeys');
    return this.service.list(ctx.em, user.id);
  }
}
