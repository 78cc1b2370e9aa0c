/**
 * How long a processed message id is remembered. Idem retries a failed delivery for about 76 hours
 * (5s, 5m, 30m, 2h, 5h, 10h, 14h, 20h, 24h after the first attempt) and re-signs every retry with a fresh
 * timestamp, so the 5-minute signature tolerance says nothing about how late a duplicate can arrive:
 * the dedup window must outlast the whole retry horizon. 96 hours leaves a day of margin for queue
 * backlogs and clock drift.
 */
export const DEFAULT_DEDUP_TTL_MS = 96 * 60 * 60 * 1000;

/**
 * How long a claim on a message in progress holds before another delivery may take it over. It bounds
 * how long a receiver that crashed mid-handler blocks the message (answering 409 meanwhile) and must
 * exceed your slowest handler. Idem's second attempt comes 5 s after the first and its third 5 minutes
 * later, so a crashed claim is free again by the third.
 */
export const DEFAULT_LEASE_MS = 2 * 60 * 1000;

/** The answer to a claim on a message id. */
export type DedupClaim =
  /** First delivery (or the earlier one failed): process it, then `complete` or `release` with the token. */
  | { readonly status: 'claimed'; readonly token: string }
  /** Already processed: acknowledge without running the handler again. */
  | { readonly status: 'duplicate' }
  /** Another delivery of the same message is being processed right now: answer 409 so the sender retries later. */
  | { readonly status: 'in_flight' };

/**
 * Remembers which message ids were processed. Implemented by `MemoryDedupStore`, `RedisDedupStore` and
 * `PostgresDedupStore`; `WebhookReceiver` drives it as claim → handler → complete (or release when the
 * handler throws, so the sender's retry processes the message).
 *
 * @example
 * const claim = await store.claim(messageId);
 * if (claim.status === 'claimed') {
 *   try { await handle(); await store.complete(messageId, claim.token); }
 *   catch (e) { await store.release(messageId, claim.token); throw e; }
 * }
 */
export interface DedupStore {
  /** Atomically claims a message id for processing. */
  claim(messageId: string): Promise<DedupClaim>;
  /** Records the message as processed for the store's TTL. */
  complete(messageId: string, token: string): Promise<void>;
  /** Drops the claim so the next delivery processes the message; a no-op if the claim was lost. */
  release(messageId: string, token: string): Promise<void>;
}

/** Settings every dedup store shares. */
export interface DedupStoreOptions {
  /** How long a processed id is remembered. Default `DEFAULT_DEDUP_TTL_MS` (96 hours). */
  ttlMs?: number;
  /** How long a claim in progress holds. Default `DEFAULT_LEASE_MS` (2 minutes). */
  leaseMs?: number;
}
