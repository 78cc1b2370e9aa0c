import IORedis, { RedisOptions } from 'ioredis';

/**
 * A connection for BullMQ workers: commands wait for Redis to come back rather than fail,
 * as BullMQ requires of a worker's blocking connection.
 */
export function createWorkerRedis(redisUrl: string): IORedis {
  return new IORedis(redisUrl, { maxRetriesPerRequest: null });
}

/**
 * A connection for producers: with Redis down a command fails at once instead of queueing in memory,
 * so an API request that already committed its message to Postgres answers promptly and the sweeper
 * enqueues the delivery later.
 */
export function createProducerRedis(redisUrl: string, options: RedisOptions = {}): IORedis {
  return new IORedis(redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false, ...options });
}
