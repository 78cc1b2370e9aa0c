import { IdemConfig } from '@app/config';
import { keyPrefixFor, PRODUCER_REDIS, RedisConnection } from '@app/queue';
import { Inject, Injectable } from '@nestjs/common';

/** Requests one API process admitted for a credential since it last told Redis. */
export interface UnsyncedCount {
  credentialId: string;
  count: number;
}

/**
 * Per-credential request counts in fixed one-window keys (`<prefix>:api-rate:<credential>:<window>`),
 * kept in Redis so that every API process counts against the same number. Windows are numbered from
 * the epoch (`floor(now / windowMs)`), so processes agree on them as far as their clocks agree.
 * Uses the producer connection, which fails at once while Redis is down instead of queueing.
 */
@Injectable()
export class RequestRateCounter {
  private readonly keyPrefix: string;

  constructor(
    @Inject(PRODUCER_REDIS) private readonly redis: RedisConnection,
    config: IdemConfig,
  ) {
    this.keyPrefix = `${keyPrefixFor(redis, config.queuePrefix)}:api-rate:`;
  }

  /**
   * Adds each count to its credential's key for `window`, in one pipelined round trip, and answers the
   * cluster-wide totals in the same order. A key lives two windows, long enough for a late batch.
   */
  async add(window: number, windowMs: number, counts: readonly UnsyncedCount[]): Promise<number[]> {
    const pipeline = this.redis.pipeline();
    for (const { credentialId, count } of counts) {
      const key = `${this.keyPrefix}${credentialId}:${window}`;
      pipeline.incrby(key, count).pexpire(key, 2 * windowMs);
    }
    const replies = (await pipeline.exec()) ?? [];
    return counts.map((_, index) => {
      const [error, total] = replies[2 * index] ?? [new Error('Redis answered no count')];
      if (error) throw error;
      return Number(total);
    });
  }
}
