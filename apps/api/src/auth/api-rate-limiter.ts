import { IdemConfig } from '@app/config';
import { withTimeout } from '@app/core';
import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { AsyncResource } from 'node:async_hooks';
import { RequestRateCounter, UnsyncedCount } from './request-rate-counter';

export type RateLimitVerdict = { allowed: true } | { allowed: false; retryAfterSeconds: number };

const ALLOWED: RateLimitVerdict = { allowed: true };

export const API_RATE_WINDOW_MS = 1_000;
/** How often a process that admitted requests tells Redis, and learns what the others admitted. */
export const API_RATE_RECONCILE_MS = 50;
/**
 * Longer than a healthy Redis ever takes to answer a batch, and than the event loop of a busy process
 * stalls: no request waits for the answer, and while one is awaited the limit holds on what this
 * process counts, so a long wait costs nothing but a late fail-open.
 */
const COUNT_TIMEOUT_MS = 500;
/** After Redis failed to count, the limit is lifted for at least this long before Redis is asked again. */
const RETRY_AFTER_FAILURE_MS = 1_000;

/** What this process knows of one credential's count in the current window. */
interface CredentialCount {
  window: number;
  /** The cluster-wide count at the last reconcile, what this process reported included. */
  known: number;
  /** Admitted here and not yet sent to Redis. */
  unsynced: number;
  /** Sent in the batch on its way to Redis. */
  sending: number;
}

/**
 * `IDEM_API_RATE_LIMIT` requests per second per credential, across every API process, without a
 * Redis round trip per request: each process counts in memory and refuses once the cluster-wide count
 * it last heard plus what it admitted since reaches the limit. Every `API_RATE_RECONCILE_MS` a process
 * that admitted requests adds them to Redis in one pipeline and reads back the totals. Other processes'
 * unreported requests are invisible until then, which bounds the overshoot (see the README).
 *
 * Redis only accelerates Idem, so the limit fails open: from a batch that fails or is slow until one
 * succeeds (tried again once a second), every request is admitted. Requests are still counted, so that
 * the limit holds again as soon as Redis answers.
 */
@Injectable()
export class ApiRateLimiter implements OnModuleDestroy {
  private readonly logger = new Logger(ApiRateLimiter.name);
  private readonly limit: number;
  private readonly counts = new Map<string, CredentialCount>();
  private timer: NodeJS.Timeout | undefined;
  private reconciling = false;
  private lastReconcileAt = 0;
  private failing = false;
  private retryAt = 0;
  private closed = false;
  /**
   * Timers run in the async context they were created in: without this, a batch would run in the
   * context of the request that happened to schedule it, and its log lines would name that request.
   */
  private readonly ownContext = new AsyncResource(ApiRateLimiter.name);

  constructor(
    config: IdemConfig,
    private readonly counter: RequestRateCounter,
  ) {
    this.limit = config.apiRateLimit;
  }

  get requestsPerSecond(): number {
    return this.limit;
  }

  /** Decides at once, from memory; never waits for Redis. */
  take(credentialId: string): RateLimitVerdict {
    if (this.limit === 0) return ALLOWED;
    const now = Date.now();
    const window = Math.floor(now / API_RATE_WINDOW_MS);
    let count = this.counts.get(credentialId);
    if (count?.window !== window) {
      count = { window, known: 0, unsynced: 0, sending: 0 };
      this.counts.set(credentialId, count);
    }
    if (!this.failing && count.known + count.sending + count.unsynced >= this.limit) {
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(((window + 1) * API_RATE_WINDOW_MS - now) / 1000)) };
    }
    count.unsynced++;
    this.scheduleReconcile(now);
    return ALLOWED;
  }

  onModuleDestroy(): void {
    // Redis closes with the application: a batch after that would only report a failure.
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /**
   * At most one batch per interval; the first request after a quiet interval is reported at once, so
   * that a process learns early in a burst what the others admitted, and a dead Redis is found at once.
   */
  private scheduleReconcile(now: number): void {
    if (this.timer || this.reconciling || this.closed) return;
    const due = Math.max(this.lastReconcileAt + API_RATE_RECONCILE_MS, this.failing ? this.retryAt : 0);
    this.timer = this.ownContext.runInAsyncScope(() => setTimeout(() => void this.reconcile(), Math.max(0, due - now)));
    // An idle process has nothing to report, and a pending report must not keep it alive.
    this.timer.unref();
  }

  private async reconcile(): Promise<void> {
    this.timer = undefined;
    const now = Date.now();
    const window = Math.floor(now / API_RATE_WINDOW_MS);
    const batch: { count: CredentialCount; unsynced: UnsyncedCount }[] = [];
    for (const [credentialId, count] of this.counts) {
      // A past window's count limits nothing any more.
      if (count.window !== window) this.counts.delete(credentialId);
      else if (count.unsynced > 0) {
        batch.push({ count, unsynced: { credentialId, count: count.unsynced } });
        count.sending = count.unsynced;
        count.unsynced = 0;
      }
    }
    if (batch.length === 0) return;
    this.lastReconcileAt = now;
    this.reconciling = true;
    try {
      const totals = await withTimeout(
        this.counter.add(window, API_RATE_WINDOW_MS, batch.map((entry) => entry.unsynced)),
        COUNT_TIMEOUT_MS,
        `Redis did not answer within ${COUNT_TIMEOUT_MS} ms`,
      );
      batch.forEach(({ count }, index) => {
        count.known = totals[index];
        count.sending = 0;
      });
      if (this.failing) this.logger.log('API rate limit enforced again: Redis counts requests');
      this.failing = false;
    } catch (error) {
      // What this batch carried may or may not have been counted; failing open, it is let go.
      for (const { count } of batch) count.sending = 0;
      this.retryAt = Date.now() + RETRY_AFTER_FAILURE_MS;
      if (!this.failing) this.logger.warn(`API rate limit not enforced while Redis cannot count requests: ${(error as Error).message}`);
      this.failing = true;
    } finally {
      this.reconciling = false;
    }
    if ([...this.counts.values()].some((count) => count.unsynced > 0)) this.scheduleReconcile(Date.now());
  }
}
