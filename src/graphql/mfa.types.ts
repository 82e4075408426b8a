import { Field, InputType, Int, ObjectType } from 'type-graphql';
import type { MfaFactors } from '../mfa/factor.store';
import type { TotpEnrollment as Enrollment } from '../mfa/mfa.service';

@ObjectType({ description: 'What an authenticator app needs to add the account. Shown while the enrollment is pending.' })
export class TotpEnrollment implements Enrollment {
  @Field({ description: 'The secret in base32, for typing into the app by hand.' })
  secret!: string;

  @Field({ description: '`otpauth://totp/<APP_NAME>:<email>?secret=…&issuer=<APP_NAME>`.' })
  uri!: string;

  @Field({ description: 'The URI as a QR code, an SVG document drawn by the server.' })
  qrCodeSvg!: string;
}

@ObjectType({ description: "The account's second factors." })
export class MfaStatus implements MfaFactors {
  @Field({ description: 'True when TOTP is on: every sign-in asks for a code.' })
  totp!: boolean;

  @Field(() => Int, { description: 'Registered passkeys: each also works as the second factor after a password.' })
  passkeys!: number;

  @Field(() => Int, { description: 'Unused recovery codes.' })
  recoveryCodesLeft!: number;
}

@InputType()
export class VerifyMfaInput {
  @Field({ description: 'From the MFA_REQUIRED error (`extensions.mfaToken`).' })
  mfaToken!: string;

  @Field({ description: 'The 6 digits from the authenticator app, or a recovery code.' })
  code!: string;
}

@InputType({ description: 'Exactly one of them.' })
export class ReauthenticateInput {
  @Field(() => String, { nullable: true })
  password?: string | null;

  @Field(() => String, { nullable: true, description: 'The 6 digits from the authenticator app, or a recovery code.' })
  code?: string | null;
}
