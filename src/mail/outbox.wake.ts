import type { EventSubscriber, FlushEventArgs, TransactionEventArgs } from '@mikro-orm/core';
import { ChangeSetType } from '@mikro-orm/core';
import { MailOutbox } from './outbox.entity';

/**
 * Wakes the worker once a new outbox row is visible to it: right after a flush outside a
 * transaction, or when the transaction that flushed it commits (not before, or the worker
 * would look too early and sleep until the next poll).
 */
export class OutboxWakeSubscriber implements EventSubscriber {
  private readonly awaitingCommit = new WeakSet<object>();

  constructor(private readonly wake: () => void) {}

  afterFlush({ em, uow }: FlushEventArgs): void {
    const added = uow.getChangeSets().some((cs) => cs.type === ChangeSetType.CREATE && cs.entity instanceof MailOutbox);
    if (!added) return;
    const transaction = em.getTransactionContext<object>();
    if (transaction) this.awaitingCommit.add(rootOf(transaction));
    else this.wake();
  }

  afterTransactionCommit({ transaction }: TransactionEventArgs): void {
    if (transaction && this.awaitingCommit.delete(transaction as object)) this.wake();
  }
}

/**
 * MikroORM fires commit events for the outermost transaction only; a savepoint points to
 * its parent through a symbol the driver does not export, so find it by its description.
 */
function rootOf(transaction: object): object {
  let current = transaction as Record<symbol, object>;
  for (;;) {
    const parent = Object.getOwnPropertySymbols(current).find((s) => s.description === 'parentTransaction');
    if (!parent) return current;
    current = current[parent] as Record<symbol, object>;
  }
}
