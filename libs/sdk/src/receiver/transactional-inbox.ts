/** What happened to a delivery run through an inbox. */
export type InboxRun<T> =
  | { readonly status: 'processed'; readonly result: T; readonly observed?: 'duplicate' | 'in_flight' }
  | { readonly status: 'duplicate' }
  | { readonly status: 'in_flight' };

/**
 * An inbox that runs the handler in the same transaction that records the message id, so the side
 * effect and the dedup record commit or roll back together. `PostgresInbox` implements it.
 *
 * With `observe`, duplicates are still reported but the work runs anyway (for a safe rollout).
 */
export interface TransactionalInbox<Tx> {
  runOnce<T>(messageId: string, work: (transaction: Tx) => Promise<T>, options?: { observe?: boolean }): Promise<InboxRun<T>>;
}

export function isTransactionalInbox(candidate: unknown): candidate is TransactionalInbox<unknown> {
  return typeof (candidate as TransactionalInbox<unknown>).runOnce === 'function';
}
