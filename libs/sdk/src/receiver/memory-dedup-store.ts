import { DEFAULT_DEDUP_TTL_MS, DEFAULT_LEASE_MS, DedupClaim, DedupStore, DedupStoreOptions } from './dedup-store';

export interface MemoryDedupStoreOptions extends DedupStoreOptions {
  /** The most ids kept; the least recently seen go first. Default 100 000. */
  maxEntries?: number;
  /** The clock, in milliseconds. */
  now?: () => number;
}

interface Entry {
  state: 'processing' | 'done';
  token: string;
  expiresAt: number;
}

const DUPLICATE: DedupClaim = { status: 'duplicate' };
const IN_FLIGHT: DedupClaim = { status: 'in_flight' };

/**
 * A dedup store in this process's memory, bounded in size (LRU) and in time (TTL). It forgets on restart
 * and is not shared between instances: use it for a single process, tests, or in front of a shared store.
 *
 * @example
 * const store = new MemoryDedupStore({ maxEntries: 50_000 });
 */
export class MemoryDedupStore implements DedupStore {
  private readonly entries = new Map<string, Entry>();
  private readonly ttlMs: number;
  private readonly leaseMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;
  private nextToken = 0;

  constructor(options: MemoryDedupStoreOptions = {}) {
    this.ttlMs = options.ttlMs ?? DEFAULT_DEDUP_TTL_MS;
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.maxEntries = options.maxEntries ?? 100_000;
    this.now = options.now ?? Date.now;
    if (this.maxEntries < 1) throw new Error('maxEntries must be at least 1');
  }

  /** How many ids are held now. */
  get size(): number {
    return this.entries.size;
  }

  claim(messageId: string): Promise<DedupClaim> {
    const now = this.now();
    const entry = this.entries.get(messageId);
    if (entry !== undefined && entry.expiresAt > now) {
      // A Map keeps insertion order; re-inserting marks the id as recently seen.
      this.entries.delete(messageId);
      this.entries.set(messageId, entry);
      return Promise.resolve(entry.state === 'done' ? DUPLICATE : IN_FLIGHT);
    }
    const token = String(++this.nextToken);
    this.entries.delete(messageId);
    this.entries.set(messageId, { state: 'processing', token, expiresAt: now + this.leaseMs });
    this.evict(now);
    return Promise.resolve({ status: 'claimed', token });
  }

  complete(messageId: string, token: string): Promise<void> {
    this.entries.delete(messageId);
    this.entries.set(messageId, { state: 'done', token, expiresAt: this.now() + this.ttlMs });
    this.evict(this.now());
    return Promise.resolve();
  }

  release(messageId: string, token: string): Promise<void> {
    if (this.entries.get(messageId)?.token === token) this.entries.delete(messageId);
    return Promise.resolve();
  }

  private evict(now: number): void {
    // Oldest first: drop what overflows the bound, plus a few expired ids so idle memory shrinks too.
    let expiredToDrop = 2;
    for (const [messageId, entry] of this.entries) {
      if (this.entries.size > this.maxEntries) {
        this.entries.delete(messageId);
      } else if (expiredToDrop > 0 && entry.expiresAt <= now) {
        this.entries.delete(messageId);
        expiredToDrop--;
      } else {
        return;
      }
    }
  }
}
