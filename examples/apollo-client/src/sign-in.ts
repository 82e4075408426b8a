import { CombinedGraphQLErrors } from '@apollo/client';
import type { GirokClient } from './client';
import { LoginDocument, VerifyMfaDocument, type LoginInput } from './generated/graphql';
import { tokenPair } from './token-store';

/** What the server accepts as a second factor for this sign-in. */
export type MfaMethod = 'TOTP' | 'RECOVERY_CODE' | 'PASSKEY';

/**
 * Asks the person for a code (from their authenticator app, or a recovery code). Called again
 * after a wrong code, with how many tries that sign-in has left.
 */
export type AskForCode = (methods: MfaMethod[], attemptsLeft?: number) => Promise<string>;

/**
 * Password sign-in that honours two-step verification: when `login` answers MFA_REQUIRED, the
 * person is asked for a code and `verifyMfa` completes the sign-in with the `mfaToken`. The
 * pair is stored either way. Errors other than a wrong code (INVALID_CODE) are thrown.
 */
export async function signInWithPassword(girok: GirokClient, input: LoginInput, askForCode: AskForCode): Promise<void> {
  try {
    const { data } = await girok.client.mutate({ mutation: LoginDocument, variables: { input } });
    girok.store.set(tokenPair(data!.login));
    return;
  } catch (error) {
    const challenge = CombinedGraphQLErrors.is(error) ? error.errors.find((e) => e.extensions?.code === 'MFA_REQUIRED') : undefined;
    if (!challenge) throw error;
    const mfaToken = challenge.extensions!.mfaToken as string;
    const methods = challenge.extensions!.methods as MfaMethod[];
    let attemptsLeft: number | undefined;
    for (;;) {
      const code = await askForCode(methods, attemptsLeft);
      try {
        const { data } = await girok.client.mutate({ mutation: VerifyMfaDocument, variables: { input: { mfaToken, code } } });
        girok.store.set(tokenPair(data!.verifyMfa));
        return;
      } catch (wrong) {
        const invalid = CombinedGraphQLErrors.is(wrong) ? wrong.errors.find((e) => e.extensions?.code === 'INVALID_CODE') : undefined;
        if (!invalid) throw wrong;
        attemptsLeft = invalid.extensions?.attemptsLeft as number | undefined;
      }
    }
  }
}
