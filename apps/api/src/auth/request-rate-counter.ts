import { IdemConfig } from '@app/config';
import { PRODUCER_REDIS } from '@app/queue';
import { Inject, Injectable } from '@nestjs/common';
import IORedis from 'ioredis';

export interface WindowCount {
  /** Requests counted in the current window, this one included. */
  count: number;
  /** Milliseconds until the window closes and the count starts again. */
  resetsInMs: number;
}

// One round trip, atomic: the first request of a window starts its clock. A key that somehow lost
// its expiry gets one again rather than counting forever.
const INCREMENT_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}
`;

/**
 * Per-credential request counts in fixed windows, kept in Redis so that every API process counts
 * against the same number. Uses the producer connection, which fails at once while Redis is down
 * instead of queueing the command.
 */
@Injectable()
export class RequestRateCounter {
  private readonly keyPrefix: string;

  constructor(
    @Inject(PRODUCER_REDIS) private readonly redis: IORedis,
    config: IdemConfig,
  ) {
    this.keyPrefix = `${config.queuePrefix}:api-rate:`;
  }

  async increment(credentialId: string, windowMs: number): Promise<WindowCount> {
    const [count, resetsInMs] = (await this.redis.eval(INCREMENT_SCRIPT, 1, this.keyPrefix + credentialId, windowMs)) as [number, number];
    return { count, resetsInMs };
  }
}
