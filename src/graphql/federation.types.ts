import { Field, ObjectType } from 'type-graphql';
import { GraphQLDateTimeISO } from 'graphql-scalars';

@ObjectType({ description: 'A sign-in provider the server is configured for (a login button).' })
export class AuthProvider {
  @Field(() => String, { description: 'Pass it to startOAuth; also the callback path /oauth/callback/<id>.' })
  id!: string;

  @Field(() => String)
  name!: string;
}

@ObjectType()
export class OAuthStart {
  @Field(() => String, {
    description:
      "Send the browser here (a top-level navigation): our start route, which binds the flow to the browser and goes on to the provider's sign-in page.",
  })
  authorizationUrl!: string;
}

@ObjectType({ description: 'An account at a sign-in provider linked to this account.' })
export class Identity {
  @Field(() => String)
  provider!: string;

  @Field(() => String, { description: "The provider's id for the person (`sub`; GitHub's user id)." })
  subject!: string;

  @Field(() => String, { nullable: true, description: 'The address the provider last gave.' })
  email!: string | null;

  @Field(() => GraphQLDateTimeISO)
  createdAt!: Date;
}
