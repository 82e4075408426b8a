import type { EntityManager } from '@mikro-orm/postgresql';
import type { AddressBudgets, CodeUse } from '../abuse/address-budgets';
import { RateLimitedError } from '../errors';

/**
 * A request for a mailed code answers no sooner than this, whichever path it took, so the
 * time to answer does not tell a registered address from an unknown one.
 */
const CODE_REQUEST_FLOOR_MS = 150;

/**
 * The shape every "mail me a code" request that must not reveal an account shares
 * (requestPasswordReset, requestLoginCode): within the address's cooldown nothing is sent, to
 * anyone; otherwise `issue` runs in one transaction and decides whether a mail goes out; the
 * cooldown then starts whether or not it did; any refusal is swallowed and the answer is
 * `true`, no sooner than the floor.
 */
export async function quietCodeRequest(
  em: EntityManager,
  budgets: AddressBudgets,
  use: CodeUse,
  email: string,
  issue: (tx: EntityManager) => Promise<void>,
  started = Date.now(),
): Promise<true> {
  try {
    await budgets.checkCooldown(use, email);
    await em.transactional(issue);
    await budgets.codeAsked(use, email);
  } catch (error) {
    // Any refusal here would reveal that the account exists: the answer is always `true`.
    if (!(error instanceof RateLimitedError)) throw error;
  }
  const wait = CODE_REQUEST_FLOOR_MS - (Date.now() - started);
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  return true;
}
