import { THROTTLE_RESERVATION_GRACE_MS, ThrottleDecision } from '@app/core';
import { keyPrefixFor, RedisConnection } from '@app/queue';
import { Result } from 'ioredis';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    /** THROTTLE_SCRIPT, defined by RedisEndpointThrottle. */
    idemEndpointThrottle(key: string, holder: string, ratePerSecond: number, graceMs: number): Result<[number, number], Context>;
  }
}

/** The port the delivery service asks before sending to an endpoint that has a rate limit. */
export abstract class EndpointThrottle {
  /**
   * May the attempt `holder` (unique per attempt, the same each time that attempt asks) be sent to the
   * endpoint now, at `ratePerSecond`? If not, how long to wait: the attempt's slot is kept until then.
   */
  abstract admit(endpointId: string, ratePerSecond: number, holder: string): Promise<ThrottleDecision>;
}

/**
 * `throttle` from libs/core, run atomically in Redis so that every worker shares one limit per endpoint.
 * The endpoint's key is a sorted set: `tat` and `queue-end` scored with those times, and each waiting
 * attempt scored with its slot. Entries older than the grace period are dropped (a past `tat` or
 * `queue-end` means the same as none), and the key expires once the endpoint has been quiet that long.
 *
 * KEYS[1]: the key. ARGV: holder, rate per second, grace ms, and optionally now (ms; tests pin it).
 * Answers {1, 0} to send, or {0, ms to wait}. Times are Redis's own clock, so workers whose clocks
 * disagree still agree on the schedule; waits are relative.
 */
export const THROTTLE_SCRIPT = `
local key, holder = KEYS[1], ARGV[1]
local rate, grace = tonumber(ARGV[2]), tonumber(ARGV[3])
local now = tonumber(ARGV[4])
if not now then
  local time = redis.call('TIME')
  now = tonumber(time[1]) * 1000 + tonumber(time[2]) / 1000
end
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - grace)
local reserved = tonumber(redis.call('ZSCORE', key, holder))
if reserved and reserved > now then
  return {0, math.ceil(reserved - now)}
end
local interval = 1000 / rate
local tolerance = 1000 - interval
local tat = math.max(tonumber(redis.call('ZSCORE', key, 'tat')) or now, now)
local slack = tolerance
if reserved then
  slack = tolerance + interval
end
local conformsAt = tat - slack
local queueEndsAt = math.max(tonumber(redis.call('ZSCORE', key, 'queue-end')) or now, now)
if conformsAt <= now and (reserved or queueEndsAt <= now) then
  redis.call('ZADD', key, tat + interval, 'tat')
  if reserved then
    redis.call('ZREM', key, holder)
  end
  redis.call('PEXPIRE', key, math.ceil(math.max(tat + interval, queueEndsAt) - now + grace))
  return {1, 0}
end
local slot = math.max(queueEndsAt, conformsAt)
redis.call('ZADD', key, slot + interval, 'queue-end', slot, holder)
redis.call('PEXPIRE', key, math.ceil(math.max(tat, slot + interval) - now + grace))
return {0, math.ceil(slot - now)}
`;

/** The Redis key of an endpoint's throttle, beside the installation's queue keys. */
export function throttleKey(queuePrefix: string, endpointId: string): string {
  return `${queuePrefix}:throttle:${endpointId}`;
}

/**
 * The shared limiter, in Redis. If Redis loses the key (flushed, restarted without persistence) the
 * throttle starts again from a quiet endpoint: at most one extra burst, and waiting attempts that come
 * back find their slot gone and are served as newcomers. If Redis cannot be reached the call fails,
 * like every other queue operation of the worker.
 */
export class RedisEndpointThrottle extends EndpointThrottle {
  private readonly keyPrefix: string;

  constructor(
    private readonly redis: RedisConnection,
    queuePrefix: string,
  ) {
    super();
    this.keyPrefix = keyPrefixFor(redis, queuePrefix);
    // ioredis sends it by EVALSHA and loads it again when Redis has forgotten it (a restart, SCRIPT FLUSH).
    redis.defineCommand('idemEndpointThrottle', { numberOfKeys: 1, lua: THROTTLE_SCRIPT });
  }

  async admit(endpointId: string, ratePerSecond: number, holder: string): Promise<ThrottleDecision> {
    const [send, waitMs] = await this.redis.idemEndpointThrottle(throttleKey(this.keyPrefix, endpointId), holder, ratePerSecond, THROTTLE_RESERVATION_GRACE_MS);
    return send === 1 ? { kind: 'send' } : { kind: 'wait', waitMs };
  }
}
