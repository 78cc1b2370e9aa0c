import { sha256Hex } from '@app/core';

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

/**
 * The first attempts of deliveries accepted together (a message's endpoints, a batch of messages), in one
 * job: the queue's round trips (fetch, completion) are paid once for all of them instead of once each.
 * Attempts that must wait (throttled, leased, early) leave the group as jobs of their own under
 * `deliveryJobId`, so every wait still has the attempt's deterministic id.
 */
export interface DeliveryGroupJob {
  deliveries: DeliveryJob[];
}

export const DELIVERY_GROUP_JOB = 'deliver-group';

/** At most this many attempts share a group job: enough to spread the queue's cost, few enough that a worker does not hoard a backlog. */
export const DELIVERY_GROUP_MAX = 10;

/**
 * Deterministic like `deliveryJobId`, so the same group enqueued twice is kept once. It names the first
 * attempt and digests them all: another group that merely starts with the same attempt must not be
 * taken for this one, or BullMQ would drop it with the attempts only it holds.
 */
export function deliveryGroupJobId(group: DeliveryGroupJob): string {
  return `group-${deliveryJobId(group.deliveries[0])}-${sha256Hex(group.deliveries.map(deliveryJobId).join(' ')).slice(0, 16)}`;
}

/**
 * The job id of an attempt due because its ordered lane moved on (the Promote transition). Not the
 * attempt's own id: the job that found the delivery behind its lane's head may still be running under
 * that id when the head finishes, and BullMQ drops an add whose id it holds.
 */
export function lanePromotionJobId(job: DeliveryJob): string {
  return `lane-${deliveryJobId(job)}`;
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
