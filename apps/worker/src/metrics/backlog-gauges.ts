import { withTimeout } from '@app/core';
import { MetricsRegistry } from '@app/metrics';
import { DeliverySweepRepository } from '@app/persistence';
import { DeliveryQueue } from '@app/queue';
import { Injectable, Logger } from '@nestjs/common';
import { Gauge } from 'prom-client';

/** A scrape reuses what was read this recently, so that many scrapers (or a fast one) cost Redis and Postgres little. */
const QUEUE_COUNTS_MAX_AGE_MS = 2_000;
const DUE_COUNT_MAX_AGE_MS = 5_000;
/** A scrape must answer even while Redis or Postgres does not. */
export const READ_TIMEOUT_MS = 2_000;

const QUEUE_STATES = ['waiting', 'delayed', 'active'] as const;

/**
 * How much work is waiting, read when Prometheus scrapes rather than on every event: BullMQ's job counts
 * (what Redis holds) and the due deliveries in Postgres (the truth: it includes what Redis lost, until
 * the sweeper puts it back). Both are the same for every worker: aggregate them with max, not sum.
 * While a count cannot be read its series is left out, rather than showing a stale number.
 */
@Injectable()
export class BacklogGauges {
  private readonly logger = new Logger(BacklogGauges.name);

  constructor(registry: MetricsRegistry, queue: DeliveryQueue, deliveries: DeliverySweepRepository) {
    const queueCounts = new CachedRead(QUEUE_COUNTS_MAX_AGE_MS, () => queue.countJobs(QUEUE_STATES));
    const dueCount = new CachedRead(DUE_COUNT_MAX_AGE_MS, () => deliveries.countDue());
    const logger = this.logger;
    new Gauge({
      name: 'idem_queue_jobs',
      help: 'Delivery jobs in the BullMQ queue, by state: waiting, delayed, active (read on scrape, cached 2 s)',
      labelNames: ['state'],
      registers: [registry],
      async collect() {
        this.reset();
        try {
          const counts = await queueCounts.read();
          for (const state of QUEUE_STATES) this.set({ state }, counts[state]);
        } catch (error) {
          logger.warn({ err: error }, 'queue job counts unavailable for /metrics');
        }
      },
    });
    new Gauge({
      name: 'idem_deliveries_due',
      help: 'Pending deliveries whose next attempt is due, counted in Postgres: the backlog whatever Redis holds (read on scrape, cached 5 s)',
      registers: [registry],
      async collect() {
        this.reset();
        try {
          this.set(await dueCount.read());
        } catch (error) {
          logger.warn({ err: error }, 'due delivery count unavailable for /metrics');
        }
      },
    });
  }
}

/**
 * The last value `load` gave, for `maxAgeMs` after it came; concurrent callers share one load, and a load
 * still running is shared however long it takes, so slow reads never pile up on the connection pools.
 * Each caller waits at most READ_TIMEOUT_MS.
 */
export class CachedRead<T> {
  private last: { at: number; value: Promise<T>; settled: boolean } | undefined;

  constructor(
    private readonly maxAgeMs: number,
    private readonly load: () => Promise<T>,
  ) {}

  read(): Promise<T> {
    if (!this.last || (this.last.settled && Date.now() - this.last.at > this.maxAgeMs)) {
      const entry = { at: Date.now(), value: this.load(), settled: false };
      this.last = entry;
      entry.value.then(
        () => {
          entry.settled = true;
          entry.at = Date.now();
        },
        // A failed read is not kept: the next scrape tries again.
        () => {
          if (this.last === entry) this.last = undefined;
        },
      );
    }
    return withTimeout(this.last.value, READ_TIMEOUT_MS);
  }
}
