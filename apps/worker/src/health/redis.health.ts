import { withTimeout } from '@app/core';
import { PRODUCER_REDIS, RedisConnection } from '@app/queue';
import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';

/** Redis answers a PING on the producer connection, which fails at once rather than queueing while Redis is away. */
@Injectable()
export class RedisHealthIndicator {
  constructor(
    @Inject(PRODUCER_REDIS) private readonly redis: RedisConnection,
    private readonly indicators: HealthIndicatorService,
  ) {}

  async pingCheck(key: string, timeoutMs: number): Promise<HealthIndicatorResult> {
    const indicator = this.indicators.check(key);
    try {
      await withTimeout(this.redis.ping(), timeoutMs);
      return indicator.up();
    } catch (error) {
      return indicator.down({ message: error instanceof Error ? error.message : String(error) });
    }
  }
}
