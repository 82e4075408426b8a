import { Field, Int, ObjectType } from 'type-graphql';
import { GraphQLDateTimeISO } from 'graphql-scalars';
import { User } from '../users/user.entity';
import type { IssuedToken } from '../auth/token-issuer';
import type { RegistrationReceipt } from '../auth/registration.service';

@ObjectType({ description: 'A signed-in session: a short-lived access JWT and a rotating refresh token.' })
export class Token implements IssuedToken {
  @Field({ description: 'JWT for `Authorization: Bearer …`.' })
  accessToken!: string;

  @Field({ description: 'Opaque; exchange it once with `refreshToken`. Each use returns a new one.' })
  refreshToken!: string;

  @Field(() => String, { description: 'Always `Bearer`.' })
  tokenType!: 'Bearer';

  @Field(() => Int, { description: 'Seconds until the access token expires.' })
  expiresIn!: number;

  @Field(() => User)
  user!: IssuedToken['user'];
}

@ObjectType({ description: 'A code is on its way to this address.' })
export class RegisterPayload implements RegistrationReceipt {
  @Field()
  email!: string;

  @Field(() => GraphQLDateTimeISO)
  codeExpiresAt!: Date;

  @Field(() => GraphQLDateTimeISO, { description: 'When `resendVerificationCode` will send another code.' })
  resendAvailableAt!: Date;
}
