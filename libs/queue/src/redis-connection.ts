import { parseRedisTarget } from '@app/config';
import IORedis, { Cluster, RedisOptions } from 'ioredis';

/** A connection to Idem's Redis: one server (or a primary found through Sentinels), or a cluster. */
export type RedisConnection = IORedis | Cluster;

function connect(redisUrl: string, options: RedisOptions): RedisConnection {
  const target = parseRedisTarget(redisUrl);
  switch (target.kind) {
    case 'standalone':
      return new IORedis(target.url, options);
    case 'sentinel':
      return new IORedis({
        ...options,
        sentinels: target.sentinels,
        name: target.name,
        db: target.db,
        username: target.username,
        password: target.password,
        sentinelPassword: target.password,
        ...(target.tls ? { tls: {}, enableTLSForSentinelMode: true } : {}),
      });
    case 'cluster': {
      const { maxRetriesPerRequest, enableOfflineQueue, ...redisOptions } = options;
      return new Cluster(target.nodes, {
        ...(enableOfflineQueue === undefined ? {} : { enableOfflineQueue }),
        redisOptions: {
          ...redisOptions,
          maxRetriesPerRequest,
          username: target.username,
          password: target.password,
          ...(target.tls ? { tls: {} } : {}),
        },
      });
    }
  }
}

/**
 * A connection for BullMQ workers: commands wait for Redis to come back rather than fail,
 * as BullMQ requires of a worker's blocking connection.
 */
export function createWorkerRedis(redisUrl: string): RedisConnection {
  return connect(redisUrl, { maxRetriesPerRequest: null });
}

/**
 * A connection for producers: with Redis down a command fails at once instead of queueing in memory,
 * so an API request that already committed its message to Postgres answers promptly and the sweeper
 * enqueues the delivery later.
 */
export function createProducerRedis(redisUrl: string, options: RedisOptions = {}): RedisConnection {
  return connect(redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false, ...options });
}

/**
 * The prefix of every key of the installation on `connection`. On a cluster it is a hash tag, so the
 * queue's keys (which BullMQ's scripts touch several at a time), the epoch marker, the throttles and
 * the API's rate counters (pipelined together) all live in one slot.
 */
export function keyPrefixFor(connection: RedisConnection, queuePrefix: string): string {
  return connection instanceof Cluster ? `{${queuePrefix}}` : queuePrefix;
}
