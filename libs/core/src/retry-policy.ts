export interface RetryPolicyOptions {
  /** Delays after the first, immediate, attempt: the n-th entry is the wait before attempt n + 1. */
  scheduleMs: number[];
  /** Fraction of each delay by which it may be moved earlier or later, e.g. 0.2 for ±20 %. */
  jitter: number;
  /** How far a receiver's Retry-After may stretch a delay: at most this many times the scheduled one (2 unless told). */
  retryAfterClamp?: number;
}

/**
 * When the next attempt of a delivery is due: the schedule, jitter and Retry-After clamp of the
 * delivery policy (`DeliveryPolicy.retry`) applied to one failed attempt.
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
   * A Retry-After from the receiver is honoured but clamped to [scheduled, clamp × scheduled], so a receiver
   * can slow its retries down but neither hammer us nor park a delivery forever.
   */
  delayAfterFailedAttempt(attemptNumber: number, retryAfterMs?: number): number | null {
    const scheduled = this.options.scheduleMs[attemptNumber - 1];
    if (scheduled === undefined) return null;
    if (retryAfterMs !== undefined && Number.isFinite(retryAfterMs)) {
      return Math.min(Math.max(retryAfterMs, scheduled), scheduled * (this.options.retryAfterClamp ?? 2));
    }
    const spread = scheduled * this.options.jitter;
    return Math.max(0, Math.round(scheduled - spread + this.random() * 2 * spread));
  }
}
