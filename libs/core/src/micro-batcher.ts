export interface MicroBatcherOptions {
  /** Flush as soon as this many items wait. */
  maxItems: number;
  /** Flush at the latest this long after the first item of a batch arrived. */
  maxDelayMs: number;
}

/**
 * Gathers single requests arriving from many concurrent callers into batches, so that one database
 * round trip (and one commit) serves many deliveries. Each caller gets its own item's result.
 */
export class MicroBatcher<In, Out> {
  private pending: { item: In; resolve: (out: Out) => void; reject: (error: unknown) => void }[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly options: MicroBatcherOptions,
    /** Handles a batch; must return one result per item, in order. */
    private readonly handleBatch: (items: In[]) => Promise<Out[]>,
  ) {}

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
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    this.handleBatch(batch.map((entry) => entry.item)).then(
      (results) => batch.forEach((entry, index) => entry.resolve(results[index])),
      (error) => batch.forEach((entry) => entry.reject(error)),
    );
  }
}
