/**
 * The worker's IDEM_WORKER_CONCURRENCY slots, counted in deliveries rather than BullMQ jobs: a group job
 * carries several deliveries, and each of them, like a job of its own, sends only while it holds a slot.
 * Waiters are served in arrival order.
 */
export class DeliverySlots {
  private free: number;
  private readonly waiting: (() => void)[] = [];

  constructor(size: number) {
    this.free = size;
  }

  /** Runs `work` once a slot is free, and frees it when `work` settles. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await work();
    } finally {
      // The slot passes straight to the next waiter, so a newcomer cannot take it first.
      const next = this.waiting.shift();
      if (next) next();
      else this.free++;
    }
  }

  /** Deliveries waiting for a slot. */
  get queued(): number {
    return this.waiting.length;
  }
}
