/**
 * Why a federated sign-in ended without a ticket: the `error` the app's redirect URL gets
 * (`redirectUrl?error=<code>`). README lists them.
 */
export type FlowErrorCode =
  /** The person declined at the provider (`error=access_denied`). */
  | 'ACCESS_DENIED'
  /** The provider answered with another error, or refused the code exchange. */
  | 'PROVIDER_ERROR'
  /** The provider could not be reached (down, timeout, TLS). */
  | 'PROVIDER_UNAVAILABLE'
  /** The provider's answer failed a check: ID token signature, issuer, audience, nonce, expiry, PKCE. */
  | 'INVALID_RESPONSE'
  /** The callback came to a browser that did not start the flow (a link from someone else's flow: login CSRF), or without its cookie. */
  | 'BROWSER_MISMATCH'
  /** The flow took longer than 10 minutes at the provider. */
  | 'STATE_EXPIRED'
  /** No usable email address from the provider (for a new account). */
  | 'EMAIL_REQUIRED'
  /** An account has this address and the provider did not assert it verified: sign in there and link. */
  | 'ACCOUNT_EXISTS'
  | 'ACCOUNT_DISABLED'
  /** Linking: this provider identity belongs to another account, or the account already has one at this provider. */
  | 'IDENTITY_TAKEN'
  /** Anything unexpected; details are in the server log. */
  | 'SERVER_ERROR';

export class FlowError extends Error {
  constructor(
    readonly code: FlowErrorCode,
    message: string,
    cause?: unknown,
  ) {
    super(message, { cause });
    this.name = 'FlowError';
  }
}
