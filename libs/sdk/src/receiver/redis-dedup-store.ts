import { randomUUID } from 'node:crypto';
import { DEFAULT_DEDUP_TTL_MS, DEFAULT_LEASE_MS, DedupClaim, DedupStore, DedupStoreOptions } from './dedup-store';

/** The part of an `ioredis` client the store uses. */
export interface RedisLike {
  set(key: string, value: string, millisecondsToken: 'PX', milliseconds: number, nx: 'NX'): Promise<'OK' | null>;
  set(key: string, value: string, millisecondsToken: 'PX', milliseconds: number): Promise<'OK'>;
  get(key: string): Promise<string | null>;
  eval(script: string, numberOfKeys: number, ...keysAndArguments: string[]): Promise<unknown>;
}

export interface RedisDedupStoreOptions extends DedupStoreOptions {
  /** Prepended to every message id. Default `'idem:dedup:'`. */
  keyPrefix?: string;
}

const DONE = 'done';
const PROCESSING = 'processing:';
// Deletes the claim only if it is still ours: after a lease expires another delivery may hold the key.
const RELEASE_IF_OWNED = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";

/**
 * A dedup store in Redis, shared by every instance of the receiver. A claim is one `SET key NX PX`.
 *
 * Keep these keys out of an `allkeys-*` eviction policy: an evicted key is a forgotten message.
 *
 * @example
 * const store = new RedisDedupStore(new Redis(process.env.REDIS_URL), { keyPrefix: 'billing:webhooks:' });
 */
export class RedisDedupStore implements DedupStore {
  private readonly keyPrefix: string;
  private readonly ttlMs: number;
  private readonly leaseMs: number;

  constructor(
    private readonly redis: RedisLike,
    options: RedisDedupStoreOptions = {},
  ) {
    this.keyPrefix = options.keyPrefix ?? 'idem:dedup:';
    this.ttlMs = options.ttlMs ?? DEFAULT_DEDUP_TTL_MS;
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  }

  async claim(messageId: string): Promise<DedupClaim> {
    const key = this.keyPrefix + messageId;
    const token = PROCESSING + randomUUID();
    if ((await this.redis.set(key, token, 'PX', this.leaseMs, 'NX')) === 'OK') return { status: 'claimed', token };
    // A key that vanished between the two calls was released by a failed attempt: the sender retries anyway.
    return (await this.redis.get(key)) === DONE ? { status: 'duplicate' } : { status: 'in_flight' };
  }

  // The token is not checked: whoever holds the key now, the message has been processed.
  async complete(messageId: string, _token?: string): Promise<void> {
    await this.redis.set(this.keyPrefix + messageId, DONE, 'PX', this.ttlMs);
  }

  async release(messageId: string, token: string): Promise<void> {
    await this.redis.eval(RELEASE_IF_OWNED, 1, this.keyPrefix + messageId, token);
  }
}
