export interface RetryPolicyOptions {
  /** Delays after the first, immediate, attempt: the n-th entry is the wait before attempt n + 1. */
  scheduleMs: number[];
  /** Fraction of each delay by which it may be moved earlier or later, e.g. 0.2 for ±20 %. */
  jitter: number;
}

/**
 * When the next attempt of a delivery is due. The only place that knows the schedule, jitter
 * and how far a receiver's Retry-After may move it.
 */
export class RetryPolicy {
  constructor(
    private readonly options: RetryPolicyOptions,
    private readonly random: () => number = Math.random,
  ) {}

  /** Total number of attempts, the first included. */
  get maxAttempts(): number {
    return this.options.scheduleMs.length + 1;
  }

  /**
   * Milliseconds to wait after attempt `attemptNumber` (1-based) failed, or null when it was the last.
   * A Retry-After from the receiver is honoured but clamped to [scheduled, 2 × scheduled], so a receiver
   * can slow its retries down but neither hammer us nor park a delivery forever.
   */
  delayAfterFailedAttempt(attemptNumber: number, retryAfterMs?: number): number | null {
    const scheduled = this.options.scheduleMs[attemptNumber - 1];
    if (scheduled === undefined) return null;
    if (retryAfterMs !== undefined && Number.isFinite(retryAfterMs)) {
      return Math.min(Math.max(retryAfterMs, scheduled), scheduled * 2);
    }
    const spread = scheduled * this.options.jitter;
    return Math.max(0, Math.round(scheduled - spread + this.random() * 2 * spread));
  }
}
