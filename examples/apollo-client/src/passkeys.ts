import type { ApolloClient } from '@apollo/client';
import { startAuthentication, startRegistration } from '@simplewebauthn/browser';
import type { PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/browser';
import {
  FinishPasskeyLoginDocument,
  FinishPasskeyRegistrationDocument,
  StartPasskeyLoginDocument,
  StartPasskeyRegistrationDocument,
  type FinishPasskeyLoginMutation,
  type FinishPasskeyRegistrationMutation,
} from './generated/graphql';

/**
 * Adds a passkey to the signed-in account: the server's creation options go to the browser
 * (`navigator.credentials.create()` through @simplewebauthn/browser), and its answer back.
 */
export async function addPasskey(client: ApolloClient, name?: string): Promise<FinishPasskeyRegistrationMutation['finishPasskeyRegistration']> {
  const started = await client.mutate({ mutation: StartPasskeyRegistrationDocument });
  const optionsJSON = started.data!.startPasskeyRegistration as PublicKeyCredentialCreationOptionsJSON;
  const response = await startRegistration({ optionsJSON });
  const finished = await client.mutate({ mutation: FinishPasskeyRegistrationDocument, variables: { response, name } });
  return finished.data!.finishPasskeyRegistration;
}

/**
 * Signs in with a passkey. No email: the browser offers the passkeys it holds for this site.
 * With the `mfaToken` of an MFA_REQUIRED answer: completes that sign-in (the passkey is the
 * second factor). With a bearer token of the same account: re-authenticates (sudo mode).
 */
export async function signInWithPasskey(
  client: ApolloClient,
  by: { email?: string; mfaToken?: string } = {},
): Promise<FinishPasskeyLoginMutation['finishPasskeyLogin']> {
  const started = await client.mutate({ mutation: StartPasskeyLoginDocument, variables: by });
  const { challengeId, options } = started.data!.startPasskeyLogin;
  const response = await startAuthentication({ optionsJSON: options as PublicKeyCredentialRequestOptionsJSON });
  const finished = await client.mutate({ mutation: FinishPasskeyLoginDocument, variables: { challengeId, response } });
  return finished.data!.finishPasskeyLogin;
}
