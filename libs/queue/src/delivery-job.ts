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

/** A manual resend of a delivery, asked for at `requestedAt` (epoch ms); recorded as a manual attempt. */
export interface ResendJob {
  deliveryId: string;
  requestedAt: number;
}

export const RESEND_JOB = 'resend';

/** One job per resend request: asking again makes a new request, enqueueing the same request again does not. */
export function resendJobId(job: ResendJob): string {
  return `resend-${job.deliveryId}-${job.requestedAt}`;
}
