import { Field, Int, ObjectType } from 'type-graphql';
import { GraphQLDateTimeISO } from 'graphql-scalars';
import { User } from '../users/user.entity';

@ObjectType({ description: 'A signed-in session: a short-lived access JWT and a rotating refresh token.' })
export class Token {
  @Field({ description: 'JWT for `Authorization: Bearer …`.' })
  accessToken!: string;

  @Field({ description: 'Opaque; exchange it once with `refreshToken`. Each use returns a new one.' })
  refreshToken!: string;

  @Field({ description: 'Always `Bearer`.' })
  tokenType!: string;

  @Field(() => Int, { description: 'Seconds until the access token expires.' })
  expiresIn!: number;

  @Field(() => User)
  user!: User;
}

@ObjectType({ description: 'A code is on its way to this address.' })
export class RegisterPayload {
  @Field()
  email!: string;

  @Field(() => GraphQLDateTimeISO)
  codeExpiresAt!: Date;

  @Field(() => GraphQLDateTimeISO, { description: 'When `resendVerificationCode` will send another code.' })
  resendAvailableAt!: Date;
}
