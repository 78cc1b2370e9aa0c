export interface MicroBatcherOptions {
  /** Flush as soon as this many items wait. */
  maxItems: number;
  /** Flush at the latest this long after the first item of a batch arrived. */
  maxDelayMs: number;
  /**
   * At most this many batches are handled at once (default: no bound). Items that arrive while that
   * many are in flight wait, and go as one batch when one finishes: the busier the batcher, the bigger
   * its batches, so a group commit spends one round trip on many callers without a fixed wait.
   */
  maxInFlight?: number;
}

/**
 * Gathers single requests arriving from many concurrent callers into batches, so that one database
 * round trip (and one commit) serves many deliveries. Each caller gets its own item's result.
 */
export class MicroBatcher<In, Out> {
  private pending: { item: In; resolve: (out: Out) => void; reject: (error: unknown) => void }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private inFlight = 0;
  private readonly maxInFlight: number;

  constructor(
    private readonly options: MicroBatcherOptions,
    /** Handles a batch; must return one result per item, in order. */
    private readonly handleBatch: (items: In[]) => Promise<Out[]>,
  ) {
    this.maxInFlight = options.maxInFlight ?? Infinity;
  }

  submit(item: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (this.pending.length >= this.options.maxItems) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.options.maxDelayMs);
    });
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    // Called again when a batch in flight finishes.
    if (this.inFlight >= this.maxInFlight) return;
    const batch = this.pending.splice(0, this.options.maxItems);
    if (batch.length === 0) return;
    this.inFlight++;
    const settled = () => {
      this.inFlight--;
      if (this.pending.length > 0 && this.timer === undefined) this.flush();
    };
    this.handleBatch(batch.map((entry) => entry.item))
      .then(
        (results) => batch.forEach((entry, index) => entry.resolve(results[index])),
        (error) => batch.forEach((entry) => entry.reject(error)),
      )
      .finally(settled);
    // More than one batch's worth waiting: the next goes at once.
    if (this.pending.length >= this.options.maxItems) this.flush();
  }
}
