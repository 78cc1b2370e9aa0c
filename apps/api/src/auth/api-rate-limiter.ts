import { IdemConfig } from '@app/config';
import { withTimeout } from '@app/core';
import { Injectable, Logger } from '@nestjs/common';
import { RequestRateCounter, WindowCount } from './request-rate-counter';

export type RateLimitVerdict = { allowed: true } | { allowed: false; retryAfterSeconds: number };

const ALLOWED: RateLimitVerdict = { allowed: true };

const WINDOW_MS = 1_000;
/** Longer than a healthy Redis ever takes; a request never waits more than this for the count. */
const COUNT_TIMEOUT_MS = 100;
/** After Redis failed to count, requests go uncounted for this long before it is asked again. */
const SUSPENSION_MS = 1_000;

/**
 * `IDEM_API_RATE_LIMIT` requests per second per credential. Redis only accelerates Idem, so the
 * limit fails open: when Redis cannot count, in time or at all, requests go through uncounted, and
 * for a second after a failure Redis is not asked, so an outage costs each request nothing.
 */
@Injectable()
export class ApiRateLimiter {
  private readonly logger = new Logger(ApiRateLimiter.name);
  private readonly limit: number;
  private suspendedUntil = 0;
  private failing = false;

  constructor(
    config: IdemConfig,
    private readonly counter: RequestRateCounter,
  ) {
    this.limit = config.apiRateLimit;
  }

  get requestsPerSecond(): number {
    return this.limit;
  }

  async take(credentialId: string): Promise<RateLimitVerdict> {
    if (this.limit === 0 || Date.now() < this.suspendedUntil) return ALLOWED;
    let window: WindowCount;
    try {
      window = await withTimeout(this.counter.increment(credentialId, WINDOW_MS), COUNT_TIMEOUT_MS, `Redis did not answer within ${COUNT_TIMEOUT_MS} ms`);
    } catch (error) {
      this.suspendedUntil = Date.now() + SUSPENSION_MS;
      if (!this.failing) this.logger.warn(`API rate limit not enforced while Redis cannot count requests: ${(error as Error).message}`);
      this.failing = true;
      return ALLOWED;
    }
    if (this.failing) this.logger.log('API rate limit enforced again: Redis counts requests');
    this.failing = false;
    if (window.count <= this.limit) return ALLOWED;
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(window.resetsInMs / 1000)) };
  }
}
