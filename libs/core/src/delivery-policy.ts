import { RetryPolicyOptions } from './retry-policy';

/**
 * How Idem delivers, in one object: the retry schedule and what may move it, how long a worker owns a
 * delivery, and the settings of the queue that carries the attempts. The worker, the queue and the
 * repositories read it; the operator sets the schedule and the request timeout (`IDEM_RETRY_SCHEDULE`,
 * `IDEM_DELIVERY_TIMEOUT`), and everything else follows from them or is fixed here.
 */
export interface DeliveryPolicy {
  retry: RetryPolicyOptions & {
    /** Response statuses whose `Retry-After` a receiver may use to slow its retries down. */
    retryAfterStatuses: readonly number[];
  };
  /** The request timeout of one attempt. */
  timeoutMs: number;
  /** How long a worker owns a delivery it is sending: the timeout plus `leaseMarginMs` for recording the outcome. */
  leaseMs: number;
  leaseMarginMs: number;
  /** How early a job may claim its attempt: BullMQ's delays and Postgres' clock are not the same clock. */
  earlyToleranceMs: number;
  /**
   * BullMQ's worker lock: a dead worker's jobs are stalled within lockDuration + stalledInterval (15 s)
   * rather than BullMQ's 60 s, and maxStalledCount is high so a stalled job always comes back rather than
   * failing; the lease in Postgres decides when another worker may take the delivery.
   */
  worker: { lockDurationMs: number; stalledIntervalMs: number; maxStalledCount: number };
  /**
   * BullMQ's own retries of a job that threw (a database error, an unreadable secret): few, because the
   * schedule above is the real retry and the sweeper re-enqueues whatever BullMQ gives up on.
   */
  job: { attempts: number; backoffDelayMs: number };
}

/** What the operator chooses; see `DeliveryPolicy`. */
export interface DeliveryPolicySettings {
  retryScheduleMs: number[];
  deliveryTimeoutMs: number;
}

export function deliveryPolicyOf(settings: DeliveryPolicySettings): DeliveryPolicy {
  const leaseMarginMs = 5_000;
  return {
    retry: { scheduleMs: settings.retryScheduleMs, jitter: 0.2, retryAfterClamp: 2, retryAfterStatuses: [429, 503] },
    timeoutMs: settings.deliveryTimeoutMs,
    leaseMs: settings.deliveryTimeoutMs + leaseMarginMs,
    leaseMarginMs,
    earlyToleranceMs: 1_000,
    worker: { lockDurationMs: 10_000, stalledIntervalMs: 5_000, maxStalledCount: 1_000 },
    job: { attempts: 3, backoffDelayMs: 1_000 },
  };
}
