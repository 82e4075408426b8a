import { GraphQLError } from 'graphql';

/** The closed set of error codes a client can act on (`extensions.code`). */
export const ErrorCode = {
  /** An argument is missing or malformed; `extensions.field` names it. */
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  /** No live access token, or a refresh token that is unknown or expired. */
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  /** Authenticated, but the target belongs to someone else; or (`reason: ORIGIN_NOT_ALLOWED`) a cookie call from a foreign origin. */
  FORBIDDEN: 'FORBIDDEN',
  /** Registration for a verified address, only when REVEAL_EMAIL_TAKEN=true. */
  EMAIL_TAKEN: 'EMAIL_TAKEN',
  /** Wrong email or password (deliberately does not say which), or a passkey answer that did not verify. */
  INVALID_CREDENTIALS: 'INVALID_CREDENTIALS',
  /** Right password, but the address has not been verified yet. */
  EMAIL_NOT_VERIFIED: 'EMAIL_NOT_VERIFIED',
  /** The code does not match, or there is no live code for that address. */
  INVALID_CODE: 'INVALID_CODE',
  /** The code was right but is past its lifetime; request a new one. */
  CODE_EXPIRED: 'CODE_EXPIRED',
  /** The code took too many wrong tries and is dead; request a new one. */
  TOO_MANY_ATTEMPTS: 'TOO_MANY_ATTEMPTS',
  /** Slow down; `extensions.retryAfter` says how many seconds to wait. */
  RATE_LIMITED: 'RATE_LIMITED',
  /** A rotated refresh token came back after the grace window; its session is now revoked. */
  TOKEN_REUSED: 'TOKEN_REUSED',
  /** The session behind this token was logged out or revoked. */
  SESSION_REVOKED: 'SESSION_REVOKED',
  /**
   * The first factor passed but the account has a second one: no session yet. Complete with
   * `verifyMfa` using `extensions.mfaToken` (single use, 5 minutes), or with a passkey
   * (`startPasskeyLogin(mfaToken)`); `extensions.methods` lists what it accepts (TOTP,
   * RECOVERY_CODE, PASSKEY).
   */
  MFA_REQUIRED: 'MFA_REQUIRED',
  /** A sudo mutation, and the session last authenticated longer than REAUTH_WINDOW ago: call `reauthenticate`. */
  REAUTHENTICATION_REQUIRED: 'REAUTHENTICATION_REQUIRED',
  /** An administrator disabled this account: no sign-in and no refresh until it is enabled again. */
  ACCOUNT_DISABLED: 'ACCOUNT_DISABLED',
  /** A federated sign-in found an account with that address and the provider did not assert it verified. */
  ACCOUNT_EXISTS: 'ACCOUNT_EXISTS',
  /** The change would leave the account with no way to sign in. */
  LAST_SIGN_IN_METHOD: 'LAST_SIGN_IN_METHOD',
  /** The sign-in provider could not be reached (or answered nonsense); try again later. */
  PROVIDER_UNAVAILABLE: 'PROVIDER_UNAVAILABLE',
  /** Anything unexpected; details are in the server log under the request id. */
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Base for every error a client is meant to see: the code is fixed in `extensions`. */
export class ClientError extends GraphQLError {
  constructor(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}) {
    super(message, { extensions: { ...extensions, code } });
  }
}

export class BadUserInputError extends ClientError {
  constructor(field: string, message: string, extra: Record<string, unknown> = {}) {
    super(ErrorCode.BAD_USER_INPUT, message, { field, ...extra });
  }
}

export class UnauthenticatedError extends ClientError {
  constructor(message = 'Authentication required') {
    super(ErrorCode.UNAUTHENTICATED, message);
  }
}

export class ForbiddenError extends ClientError {
  constructor(message = 'Not allowed') {
    super(ErrorCode.FORBIDDEN, message);
  }
}

/** A call that would use the refresh cookie, from an Origin that is neither this server's own nor in CORS_ORIGINS. */
export class OriginNotAllowedError extends ClientError {
  constructor() {
    super(ErrorCode.FORBIDDEN, 'This origin may not use the session cookie', { reason: 'ORIGIN_NOT_ALLOWED' });
  }
}

export class EmailTakenError extends ClientError {
  constructor() {
    super(ErrorCode.EMAIL_TAKEN, 'An account with this email already exists');
  }
}

export class InvalidCredentialsError extends ClientError {
  constructor() {
    super(ErrorCode.INVALID_CREDENTIALS, 'Email or password is incorrect');
  }
}

export class EmailNotVerifiedError extends ClientError {
  constructor() {
    super(ErrorCode.EMAIL_NOT_VERIFIED, 'Verify your email address before logging in');
  }
}

export class InvalidCodeError extends ClientError {
  constructor(attemptsLeft?: number) {
    super(ErrorCode.INVALID_CODE, 'The code is not valid', attemptsLeft === undefined ? {} : { attemptsLeft });
  }
}

export class CodeExpiredError extends ClientError {
  constructor() {
    super(ErrorCode.CODE_EXPIRED, 'The code has expired; request a new one');
  }
}

export class TooManyAttemptsError extends ClientError {
  constructor() {
    super(ErrorCode.TOO_MANY_ATTEMPTS, 'Too many wrong codes; request a new one');
  }
}

export class RateLimitedError extends ClientError {
  constructor(retryAfter: number) {
    super(ErrorCode.RATE_LIMITED, `Too many requests; retry in ${retryAfter} s`, { retryAfter });
  }
}

export class TokenReusedError extends ClientError {
  constructor() {
    super(ErrorCode.TOKEN_REUSED, 'This refresh token was already used; the session has been revoked');
  }
}

export class SessionRevokedError extends ClientError {
  constructor() {
    super(ErrorCode.SESSION_REVOKED, 'This session has ended; log in again');
  }
}

/** What completes a pending sign-in: `verifyMfa` takes TOTP and RECOVERY_CODE, `finishPasskeyLogin` a PASSKEY. */
export type MfaMethod = 'TOTP' | 'RECOVERY_CODE' | 'PASSKEY';

export class MfaRequiredError extends ClientError {
  constructor(mfaToken: string, methods: readonly MfaMethod[], expiresAt: Date) {
    const message = methods.includes('TOTP')
      ? 'Enter the code from your authenticator app (or a recovery code) to finish signing in'
      : methods.includes('RECOVERY_CODE')
        ? 'Use your passkey (or a recovery code) to finish signing in'
        : 'Use your passkey to finish signing in';
    super(ErrorCode.MFA_REQUIRED, message, {
      mfaToken,
      methods,
      expiresAt: expiresAt.toISOString(),
    });
  }
}

export class ReauthenticationRequiredError extends ClientError {
  constructor(windowSeconds: number) {
    super(ErrorCode.REAUTHENTICATION_REQUIRED, `Confirm it is you: this needs a sign-in within the last ${windowSeconds} s (call reauthenticate)`, {
      reauthWindow: windowSeconds,
    });
  }
}

export class AccountDisabledError extends ClientError {
  constructor() {
    super(ErrorCode.ACCOUNT_DISABLED, 'This account has been disabled by an administrator');
  }
}

export class AccountExistsError extends ClientError {
  constructor() {
    super(ErrorCode.ACCOUNT_EXISTS, 'An account with this email already exists; sign in to it and link this provider from there');
  }
}

export class LastSignInMethodError extends ClientError {
  constructor() {
    super(ErrorCode.LAST_SIGN_IN_METHOD, 'This is the last way to sign in to the account; add another one first');
  }
}

export class ProviderUnavailableError extends ClientError {
  constructor(providerName: string) {
    super(ErrorCode.PROVIDER_UNAVAILABLE, `${providerName} cannot be reached right now; try again later`);
  }
}

/** True when the error was raised on purpose for the client (its message is safe to show). */
export function isClientError(error: unknown): error is ClientError {
  return error instanceof ClientError;
}

/**
 * A passkey sign-in that did not verify (unknown or spent challenge, another account's passkey,
 * a bad signature, origin or counter): INVALID_CREDENTIALS, so it spends the same budget as a
 * wrong password. `reason` is set only when the client should start over (CHALLENGE_EXPIRED,
 * CHALLENGE_UNKNOWN).
 */
export class PasskeyRefusedError extends ClientError {
  constructor(reason?: 'CHALLENGE_EXPIRED' | 'CHALLENGE_UNKNOWN') {
    super(
      ErrorCode.INVALID_CREDENTIALS,
      reason ? 'This passkey challenge expired or was already used; start again' : 'The passkey could not be verified',
      reason ? { reason } : {},
    );
  }
}
