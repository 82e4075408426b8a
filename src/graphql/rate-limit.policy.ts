import type { AccountBudget } from '../abuse/rate-limits';

/** Which budgets a mutation spends, keyed by its field name on Mutation. */
export interface MutationPolicy {
  /** The per-IP bucket; every call counts, whatever its outcome. */
  readonly ip: 'auth' | 'refresh';
  /**
   * Who the call targets: the normalized address in the arguments, the signed-in viewer, or
   * the account of the pending sign-in named by `input.mfaToken` (its address, so wrong second
   * factors share the budget of that address's other codes).
   */
  readonly account?: 'email' | 'viewer' | 'mfaToken' | 'passkey';
  /** Which failures count; a function when the arguments decide (a password or a code). */
  readonly budget?: AccountBudget | ((args: Record<string, unknown>) => AccountBudget);
}

/** Every mutation that can be used to guess, to send mail or to mint sessions. */
export const MUTATION_POLICIES: Readonly<Record<string, MutationPolicy>> = {
  login: { ip: 'auth', account: 'email', budget: 'failures' },
  changePassword: { ip: 'auth', account: 'viewer', budget: 'failures' },
  // Mail per address is budgeted where mail is queued, by what is really sent (abuse/address-budgets.ts).
  register: { ip: 'auth' },
  resendVerificationCode: { ip: 'auth' },
  requestPasswordReset: { ip: 'auth' },
  requestLoginCode: { ip: 'auth' },
  requestEmailChange: { ip: 'auth' },
  // Wrong codes are counted per address across codes here, and per code in the database (CODE_MAX_ATTEMPTS).
  verifyEmail: { ip: 'auth', account: 'email', budget: 'codes' },
  resetPassword: { ip: 'auth', account: 'email', budget: 'codes' },
  loginWithCode: { ip: 'auth', account: 'email', budget: 'codes' },
  confirmEmailChange: { ip: 'auth', account: 'viewer', budget: 'codes' },
  refreshToken: { ip: 'refresh' },
  // Second factor: wrong codes per account, and per ticket in the database (5 tries).
  verifyMfa: { ip: 'auth', account: 'mfaToken', budget: 'codes' },
  confirmTotpEnrollment: { ip: 'auth', account: 'viewer', budget: 'codes' },
  reauthenticate: { ip: 'auth', account: 'viewer', budget: (args) => (inputHas(args, 'password') ? 'failures' : 'codes') },
  startTotpEnrollment: { ip: 'auth' },
  // A failed passkey sign-in is INVALID_CREDENTIALS: the same per-account budget as a wrong password.
  finishPasskeyLogin: { ip: 'auth', account: 'passkey', budget: 'failures' },
  startPasskeyLogin: { ip: 'auth' },
  startPasskeyRegistration: { ip: 'auth' },
  finishPasskeyRegistration: { ip: 'auth' },
  // Federated sign-in: each start writes a flow row; a ticket is 256 bits, so only the IP budget.
  startOAuth: { ip: 'auth' },
  completeOAuth: { ip: 'auth' },
};

/**
 * Mutations deliberately left out of MUTATION_POLICIES, each with why. A test fails for a
 * mutation that is in neither list, so a new one cannot slip through unlimited by accident.
 */
export const RATE_LIMIT_EXEMPT: Readonly<Record<string, string>> = {
  logout: 'ends a session; it needs that session refresh token, and guessing one is 256 bits of work',
  logoutAll: 'needs a live access token and only ends the caller own sessions',
  revokeSession: 'needs a live access token and only ends the caller own sessions',
  disableTotp: 'needs a live access token from a sign-in within REAUTH_WINDOW (sudo); guesses nothing',
  regenerateRecoveryCodes: 'needs a live access token from a sign-in within REAUTH_WINDOW (sudo); guesses nothing',
  deletePasskey: 'needs a live access token from a sign-in within REAUTH_WINDOW (sudo); guesses nothing',
  renamePasskey: 'needs a live access token and only names the caller own passkeys',
  deleteAccount: 'needs a live access token and only erases the caller own account',
  setUserRoles: 'needs a live access token of an administrator',
  disableUser: 'needs a live access token of an administrator',
  enableUser: 'needs a live access token of an administrator',
  unlinkIdentity: 'needs a live access token from a sign-in within REAUTH_WINDOW (sudo); guesses nothing',
};

/** Mutations a document may hold at most one of (see one-auth-mutation.rule.ts). */
export const AUTH_MUTATIONS: ReadonlySet<string> = new Set(Object.keys(MUTATION_POLICIES));

function inputHas(args: Record<string, unknown>, field: string): boolean {
  const input = args.input;
  return Boolean(input && typeof input === 'object' && (input as Record<string, unknown>)[field] != null);
}

/** The address a call targets, as `args.input.email` or `args.email`; undefined when absent. */
export function emailArgument(args: Record<string, unknown>): unknown {
  const input = args.input;
  if (input && typeof input === 'object' && 'email' in input) return input.email;
  return args.email;
}
