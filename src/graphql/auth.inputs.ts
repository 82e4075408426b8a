import { Field, InputType } from 'type-graphql';

// Shapes only: every value is checked by the service (src/auth/validation.ts,
// password-policy.ts) so one place decides what is valid and names the field.

@InputType()
export class RegisterInput {
  @Field()
  email!: string;

  @Field()
  password!: string;
}

@InputType()
export class VerifyEmailInput {
  @Field()
  email!: string;

  @Field({ description: 'The 6 digits from the email.' })
  code!: string;
}

@InputType()
export class LoginInput {
  @Field()
  email!: string;

  @Field()
  password!: string;
}

@InputType()
export class ResetPasswordInput {
  @Field()
  email!: string;

  @Field({ description: 'The 6 digits from the reset email.' })
  code!: string;

  @Field()
  newPassword!: string;
}

@InputType()
export class ChangePasswordInput {
  @Field()
  currentPassword!: string;

  @Field()
  newPassword!: string;
}
