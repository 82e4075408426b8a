import { GraphQLDateTimeISO, GraphQLJSON } from 'graphql-scalars';
import { Field, ID, ObjectType } from 'type-graphql';
import type { PasskeyView } from '../passkeys/passkey.store';

@ObjectType({ description: 'A passkey of the account (a WebAuthn credential).' })
export class Passkey implements PasskeyView {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { nullable: true, description: 'The name its holder gave it.' })
  name!: string | null;

  @Field(() => GraphQLDateTimeISO)
  createdAt!: Date;

  @Field(() => GraphQLDateTimeISO, { nullable: true, description: 'Its last sign-in; null until its first.' })
  lastUsedAt!: Date | null;

  @Field(() => Boolean, { description: 'True when the authenticator says the passkey is synced or backed up (a multi-device passkey).' })
  backedUp!: boolean;
}

@ObjectType({ description: 'A passkey sign-in waiting for the browser: answer with finishPasskeyLogin(challengeId, response).' })
export class PasskeyChallenge {
  @Field(() => ID, { description: 'Single use; lives WEBAUTHN_CHALLENGE_TTL seconds.' })
  challengeId!: string;

  @Field(() => GraphQLJSON, {
    description: 'PublicKeyCredentialRequestOptionsJSON for navigator.credentials.get() (or @simplewebauthn/browser startAuthentication).',
  })
  options!: unknown;
}
