import { randomUUID } from 'node:crypto';

/** The Redis commands the epoch needs (an IORedis connection is one). */
export interface QueueEpochStore {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, condition: 'NX'): Promise<'OK' | null>;
}

/** What one look at the marker found. */
export type QueueEpochCheck =
  /** The marker is the one this process saw last, or this was its first look: nothing says Redis lost anything. */
  | { kind: 'unchanged' }
  /**
   * The marker this process saw is gone or replaced: Redis lost its data (flushed, restarted empty, failed
   * over to an empty replica) since the last look. `rebuild` is true for the one process whose write of the
   * new marker won; the others saw a marker another process had already written.
   */
  | { kind: 'lost'; rebuild: boolean };

/** The key of the marker under the queue's prefix, beside BullMQ's own keys. */
export function queueEpochKey(prefix: string): string {
  return `${prefix}:epoch`;
}

/**
 * A random id kept in the queue's Redis for as long as Redis keeps its data. Any loss of the data takes
 * the marker with it, so a process that remembers the id it saw last notices the loss with one GET. The
 * first process to find the marker missing writes a new one (SET NX), so exactly one of several
 * processes that notice the same loss is told to rebuild.
 *
 * A process's first look only learns the marker (writing it when missing): with nothing seen before,
 * a missing marker cannot tell a Redis that lost its data from a new installation. A Redis restored
 * from an older snapshot keeps the marker and goes unnoticed here.
 */
export class QueueEpoch {
  private seen: string | undefined;

  constructor(
    private readonly redis: QueueEpochStore,
    private readonly key: string,
    private readonly newEpoch: () => string = randomUUID,
  ) {}

  async check(): Promise<QueueEpochCheck> {
    const previous = this.seen;
    let current = await this.redis.get(this.key);
    let written = false;
    if (current === null) {
      const mine = this.newEpoch();
      written = (await this.redis.set(this.key, mine, 'NX')) === 'OK';
      current = written ? mine : await this.redis.get(this.key);
    }
    // Lost again between the two commands: keep what was seen, so the next look notices the loss.
    if (current === null) return previous === undefined ? { kind: 'unchanged' } : { kind: 'lost', rebuild: false };
    this.seen = current;
    if (previous === undefined || previous === current) return { kind: 'unchanged' };
    return { kind: 'lost', rebuild: written };
  }
}
