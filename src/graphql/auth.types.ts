import { Field, Int, ObjectType } from 'type-graphql';
import { GraphQLDateTimeISO } from 'graphql-scalars';
import { User } from '../users/user.entity';
import type { DeliveredToken } from './token-delivery';
import type { RegistrationReceipt } from '../auth/registration.service';

@ObjectType({ description: 'A signed-in session: a short-lived access JWT and a rotating refresh token.' })
export class Token implements DeliveredToken {
  @Field({ description: 'JWT for `Authorization: Bearer …`.' })
  accessToken!: string;

  @Field(() => String, {
    nullable: true,
    description:
      'Opaque; exchange it once with `refreshToken`. Each use returns a new one. Null with `x-token-delivery: cookie`: it is in the HttpOnly cookie.',
  })
  refreshToken!: string | null;

  @Field(() => String, { description: 'Always `Bearer`.' })
  tokenType!: 'Bearer';

  @Field(() => Int, { description: 'Seconds until the access token expires.' })
  expiresIn!: number;

  @Field(() => User)
  user!: DeliveredToken['user'];
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
