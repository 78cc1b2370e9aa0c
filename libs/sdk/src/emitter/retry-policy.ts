export interface RetryPolicyOptions {
  /** The first retry waits up to this long. Default 500 ms. */
  baseDelayMs?: number;
  /** No backoff wait exceeds this (a `Retry-After` may). Default 30 s. */
  maxDelayMs?: number;
  /** Attempts in all, the first included. Default 6; `Infinity` retries until told to stop. */
  maxAttempts?: number;
  /** A number in [0, 1). */
  random?: () => number;
}

/**
 * Exponential backoff with full jitter: before retry n the wait is uniform in [0, min(max, base * 2^(n-1))].
 * Full jitter spreads out producers that failed together, so they do not come back together.
 * A server's `Retry-After` replaces the computed wait: the client never comes back sooner.
 *
 * @example
 * const policy = new RetryPolicy({ baseDelayMs: 1000, maxDelayMs: 60_000 });
 * await sleep(policy.delayBeforeRetry(attempt, retryAfterMs));
 */
export class RetryPolicy {
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly maxAttempts: number;
  private readonly random: () => number;

  constructor(options: RetryPolicyOptions = {}) {
    this.baseDelayMs = options.baseDelayMs ?? 500;
    this.maxDelayMs = options.maxDelayMs ?? 30_000;
    this.maxAttempts = options.maxAttempts ?? 6;
    this.random = options.random ?? Math.random;
  }

  /** Whether another attempt is allowed after `attemptsMade` attempts. */
  allowsAnotherAttempt(attemptsMade: number): boolean {
    return attemptsMade < this.maxAttempts;
  }

  /** How long to wait after `attemptsMade` failed attempts (1 after the first). */
  delayBeforeRetry(attemptsMade: number, retryAfterMs?: number): number {
    if (retryAfterMs !== undefined) return retryAfterMs;
    const ceiling = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** Math.max(0, attemptsMade - 1));
    return Math.floor(this.random() * ceiling);
  }
}

/**
 * Reads a `Retry-After` header, in delay-seconds or as an HTTP date, into milliseconds from now.
 *
 * @example
 * parseRetryAfter('2'); // 2000
 */
export function parseRetryAfter(header: string | null | undefined, now: number = Date.now()): number | undefined {
  if (header === null || header === undefined || header.trim() === '') return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
