import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import { BadUserInputError } from '../errors';

const BASE64URL = /^[A-Za-z0-9_-]+$/;
/** Longer than any real credential answer (credential ids stop at 1023 bytes). */
const MAX_FIELD = 16 * 1024;

function field(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_FIELD && BASE64URL.test(value);
}

function shaped(value: unknown, parts: readonly string[]): value is { id: string; rawId: string; type: string; response: Record<string, unknown> } {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return false;
  const credential = value as Record<string, unknown>;
  const response = credential.response as Record<string, unknown> | undefined;
  if (!field(credential.id) || !field(credential.rawId) || credential.type !== 'public-key') return false;
  if (!response || typeof response !== 'object' || Array.isArray(response)) return false;
  return parts.every((part) => field(response[part]));
}

/**
 * A browser credential's `toJSON()` from `navigator.credentials.create()`, checked for shape
 * only; @simplewebauthn/server verifies everything in it.
 */
export function parseRegistrationResponse(value: unknown): RegistrationResponseJSON {
  if (!shaped(value, ['clientDataJSON', 'attestationObject'])) {
    throw new BadUserInputError('response', 'response must be the JSON of the credential navigator.credentials.create() returned');
  }
  return value as unknown as RegistrationResponseJSON;
}

/** A browser credential's `toJSON()` from `navigator.credentials.get()`, checked for shape only. */
export function parseAuthenticationResponse(value: unknown): AuthenticationResponseJSON {
  if (!shaped(value, ['clientDataJSON', 'authenticatorData', 'signature'])) {
    throw new BadUserInputError('response', 'response must be the JSON of the credential navigator.credentials.get() returned');
  }
  const userHandle = (value.response as { userHandle?: unknown }).userHandle;
  if (userHandle !== undefined && userHandle !== null && !field(userHandle)) throw new BadUserInputError('response', 'response.userHandle is malformed');
  return value as unknown as AuthenticationResponseJSON;
}

/** The WebAuthn user handle of an account: its id's 16 bytes, nothing personal. */
export function userHandleOf(userId: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(Buffer.from(userId.replace(/-/g, ''), 'hex'));
}

/** The same handle as a browser returns it (base64url). */
export function encodedUserHandleOf(userId: string): string {
  return Buffer.from(userHandleOf(userId)).toString('base64url');
}

/** A passkey's name as given: trimmed, at most 64 characters, or null. */
export function parsePasskeyName(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw new BadUserInputError('name', 'name must be a string');
  const name = value.trim();
  if (name.length > 64) throw new BadUserInputError('name', 'name must be at most 64 characters');
  return name === '' ? null : name;
}
