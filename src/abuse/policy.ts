/**
 * Which budgets each auth mutation spends, keyed by its field name on Mutation. A name
 * that is not in the schema yet is simply skipped, so a new mutation is covered the day
 * it is added.
 */
export interface MutationPolicy {
  /** The per-IP bucket; every call counts, whatever its outcome. */
  readonly ip: 'auth' | 'refresh';
  /** Who the call targets: the normalized address in the arguments, or the signed-in viewer. */
  readonly account?: 'email' | 'viewer';
  /**
   * What the account budget counts: `failures` are INVALID_CREDENTIALS answers (with a
   * growing backoff), `mail` are calls that may send mail, `codes` are code checks.
   */
  readonly budget?: 'failures' | 'mail' | 'codes';
}

export const MUTATION_POLICIES: Readonly<Record<string, MutationPolicy>> = {
  login: { ip: 'auth', account: 'email', budget: 'failures' },
  changePassword: { ip: 'auth', account: 'viewer', budget: 'failures' },
  register: { ip: 'auth', account: 'email', budget: 'mail' },
  resendVerificationCode: { ip: 'auth', account: 'email', budget: 'mail' },
  requestPasswordReset: { ip: 'auth', account: 'email', budget: 'mail' },
  // Wrong codes are also counted per code in the database (CODE_MAX_ATTEMPTS).
  verifyEmail: { ip: 'auth', account: 'email', budget: 'codes' },
  resetPassword: { ip: 'auth', account: 'email', budget: 'codes' },
  refreshToken: { ip: 'refresh' },
};

/** Mutations a document may hold at most one of (see one-auth-mutation.rule.ts). */
export const AUTH_MUTATIONS: ReadonlySet<string> = new Set(Object.keys(MUTATION_POLICIES));

/** The address a call targets, as `args.input.email` or `args.email`; undefined when absent. */
export function emailArgument(args: Record<string, unknown>): unknown {
  const input = args.input;
  if (input && typeof input === 'object' && 'email' in input) return (input as { email: unknown }).email;
  return args.email;
}
