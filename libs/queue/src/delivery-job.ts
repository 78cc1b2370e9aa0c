export const DELIVERY_QUEUE = 'deliveries';

/**
 * What a delivery job carries: ids only. The worker reloads everything else (payload, URL, secrets)
 * from Postgres, so nothing sensitive sits in Redis and a flushed Redis loses nothing that matters.
 */
export interface DeliveryJob {
  deliveryId: string;
  attemptNumber: number;
}

/**
 * The job id of a scheduled attempt. Deterministic, so the API, the worker and the sweeper can all
 * enqueue the same attempt and BullMQ keeps one job: broker-level dedup, under Postgres' own check.
 */
export function deliveryJobId(job: DeliveryJob): string {
  return `${job.deliveryId}-${job.attemptNumber}`;
}
