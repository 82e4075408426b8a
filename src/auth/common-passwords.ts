import { dictionary } from '@zxcvbn-ts/language-common';

/**
 * The ~49,000 most common passwords, ranked, as shipped by zxcvbn-ts (`passwords-common`,
 * MIT, built from leaked-password frequency lists). ASVS 6.2.4 asks for the top 3,000 at
 * least. Kept lowercased, so `Password1` is as refused as `password1`.
 */
const COMMON_PASSWORDS: ReadonlySet<string> = new Set((dictionary['passwords-common'] as readonly string[]).map((password) => password.toLowerCase()));

/** True when the password (case-insensitively) is on the common-password list. */
export function isCommonPassword(password: string): boolean {
  return COMMON_PASSWORDS.has(password.toLowerCase());
}
