import { MetricsRegistry } from '@app/metrics';
import { RetainedTable, retainedTableName } from '@app/persistence';
import { Injectable } from '@nestjs/common';
import { Counter, Histogram } from 'prom-client';

/** How an attempt ended: answered with a 2xx, failed (any other status, a timeout, a network error), or never sent because the target policy refused its address. */
export type AttemptOutcomeLabel = 'succeeded' | 'failed' | 'refused';

/** Why the sweeper put a delivery back on the queue. */
export type RequeueReason = 'lease_expired' | 'unqueued' | 'lost_resend' | 'redis_lost' | 'lane_stranded';

const ATTEMPT_OUTCOMES: readonly AttemptOutcomeLabel[] = ['succeeded', 'failed', 'refused'];
const REQUEUE_REASONS: readonly RequeueReason[] = ['lease_expired', 'unqueued', 'lost_resend', 'redis_lost', 'lane_stranded'];

/**
 * What this worker process did, counted in memory where it happens and read by Prometheus from
 * `/metrics`. Labels take a few fixed values only: never an endpoint, application or message id, nor a URL.
 */
@Injectable()
export class WorkerMetrics {
  private readonly attempts: Counter<'outcome'>;
  private readonly attemptDuration: Histogram<'outcome'>;
  private readonly throttled: Counter;
  private readonly exhausted: Counter;
  private readonly requeued: Counter<'reason'>;
  private readonly deletedRows: Counter<'table'>;
  private readonly expungedPayloads: Counter;

  constructor(registry: MetricsRegistry) {
    const registers = [registry];
    this.attempts = new Counter({
      name: 'idem_attempts_total',
      help: 'Delivery attempts made by this process (scheduled and manual), by outcome: succeeded, failed, or refused by the target policy',
      labelNames: ['outcome'],
      registers,
    });
    this.attemptDuration = new Histogram({
      name: 'idem_attempt_duration_seconds',
      help: 'Time from sending an attempt to having its response (or giving up on it), by outcome',
      labelNames: ['outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30],
      registers,
    });
    this.throttled = new Counter({
      name: 'idem_deliveries_throttled_total',
      help: "Times a delivery was handed back unsent because its endpoint's rate limit had no room",
      registers,
    });
    this.exhausted = new Counter({
      name: 'idem_deliveries_exhausted_total',
      help: 'Deliveries whose last scheduled attempt failed: no further attempt will be made',
      registers,
    });
    this.requeued = new Counter({
      name: 'idem_sweeper_requeued_total',
      help: 'Deliveries the sweeper put back on the queue from Postgres, by reason: lease_expired (its worker died mid-attempt), unqueued (due, its job enqueued too long ago: lost with Redis), lost_resend (a manual resend still unanswered), redis_lost (pending deliveries and resends re-enqueued at once when Redis lost its data), lane_stranded (the next delivery of an ordered lane whose head was done, promoted by the sweeper)',
      labelNames: ['reason'],
      registers,
    });
    this.deletedRows = new Counter({
      name: 'idem_retention_deleted_rows_total',
      help: 'Rows the retention cleanup deleted, by table (deliveries and attempts go with their message)',
      labelNames: ['table'],
      registers,
    });
    this.expungedPayloads = new Counter({
      name: 'idem_retention_expunged_payloads_total',
      help: 'Message payloads the retention cleanup expunged at the end of their retention',
      registers,
    });
    // Every series exists from the start, so rate() and absent() work before the first event.
    for (const outcome of ATTEMPT_OUTCOMES) {
      this.attempts.inc({ outcome }, 0);
      this.attemptDuration.zero({ outcome });
    }
    for (const reason of REQUEUE_REASONS) this.requeued.inc({ reason }, 0);
  }

  attemptMade(outcome: AttemptOutcomeLabel, durationMs: number): void {
    this.attempts.inc({ outcome });
    this.attemptDuration.observe({ outcome }, durationMs / 1000);
  }

  deliveryThrottled(): void {
    this.throttled.inc();
  }

  deliveryExhausted(): void {
    this.exhausted.inc();
  }

  deliveriesRequeued(reason: RequeueReason, count: number): void {
    if (count > 0) this.requeued.inc({ reason }, count);
  }

  rowsDeleted(table: RetainedTable, count: number): void {
    if (count > 0) this.deletedRows.inc({ table: retainedTableName(table) }, count);
  }

  payloadsExpunged(count: number): void {
    if (count > 0) this.expungedPayloads.inc(count);
  }
}
