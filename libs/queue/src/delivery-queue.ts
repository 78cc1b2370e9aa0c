import { DeliveryPolicy, MicroBatcher, withTimeout } from '@app/core';
import { JobType, Queue } from 'bullmq';
import {
  DELIVERY_GROUP_JOB,
  DELIVERY_GROUP_MAX,
  DELIVERY_QUEUE,
  DeliveryGroupJob,
  deliveryGroupJobId,
  DeliveryJob,
  deliveryJobId,
  lanePromotionJobId,
  RESEND_JOB,
  ResendJob,
  resendJobId,
} from './delivery-job';
import { QueueEpoch, QueueEpochCheck, queueEpochKey } from './queue-epoch';
import { keyPrefixFor, RedisConnection } from './redis-connection';

/** Above this many waiting jobs the sweeper stops looking for orphaned ones (see `requeue`). */
const ORPHAN_SEARCH_MAX_WAITING = 10_000;

/** Job states BullMQ never processes again; `unknown` is a job hash held in no list or set. */
const NEVER_RUNS: ReadonlySet<string> = new Set(['completed', 'failed', 'unknown']);

export interface ScheduledDeliveryJob extends DeliveryJob {
  /** Milliseconds from now until the attempt is due; 0 or absent for now. */
  delayMs?: number;
}

/** Jobs handed to one `enqueue` or `requeue` call; `grouped` lets those due now share group jobs. */
interface EnqueueRequest {
  jobs: readonly ScheduledDeliveryJob[];
  grouped: boolean;
}

/**
 * The producer side of the delivery queue. Jobs enqueued by concurrent requests within a couple of
 * milliseconds go to Redis in one `addBulk`, one round trip for many deliveries, and attempts due now
 * travel in group jobs of up to DELIVERY_GROUP_MAX (see DeliveryGroupJob).
 */
export class DeliveryQueue {
  readonly queue: Queue<DeliveryJob | ResendJob | DeliveryGroupJob>;
  private readonly epoch: QueueEpoch;
  private readonly batcher = new MicroBatcher<EnqueueRequest, void>({ maxItems: 200, maxDelayMs: 2 }, async (requests) => {
    await this.addBulk(requests);
    return requests.map(() => undefined);
  });

  /** `jobRetries`: BullMQ's own retries of a job that threw, from the delivery policy (`DeliveryPolicy.job`). */
  constructor(connection: RedisConnection, queuePrefix: string, jobRetries: DeliveryPolicy['job']) {
    const prefix = keyPrefixFor(connection, queuePrefix);
    this.queue = new Queue<DeliveryJob | ResendJob | DeliveryGroupJob>(DELIVERY_QUEUE, {
      connection,
      prefix,
      defaultJobOptions: {
        // Finished jobs are dropped at once: Postgres keeps the record, and a lingering id would
        // make BullMQ ignore the sweeper's re-add of the same attempt.
        removeOnComplete: true,
        removeOnFail: true,
        attempts: jobRetries.attempts,
        backoff: { type: 'exponential', delay: jobRetries.backoffDelayMs },
      },
    });
    this.epoch = new QueueEpoch(connection, queueEpochKey(prefix));
  }

  /** Whether the queue's Redis lost its data since this process last asked (see QueueEpoch); one GET when it did not. */
  async checkEpoch(): Promise<QueueEpochCheck> {
    return this.epoch.check();
  }

  /** How many jobs the queue holds in each of `states` (BullMQ's job states: waiting, delayed, active, ...). */
  async countJobs<State extends JobType>(states: readonly State[]): Promise<Record<State, number>> {
    const counts = await this.queue.getJobCounts(...states);
    return Object.fromEntries(states.map((state) => [state, counts[state] ?? 0])) as Record<State, number>;
  }

  /** Enqueues attempts; those due now go in group jobs, those with a delay in jobs of their own. */
  async enqueue(jobs: readonly ScheduledDeliveryJob[]): Promise<void> {
    if (jobs.length === 0) return;
    await this.batcher.submit({ jobs, grouped: true });
  }

  /**
   * Enqueues each attempt as a job of its own under its deterministic id, due now or not: for an
   * attempt that leaves a group to wait, and for the sweeper, whose re-adds BullMQ must be able to
   * recognise by id.
   */
  async enqueueEach(jobs: readonly ScheduledDeliveryJob[]): Promise<void> {
    if (jobs.length === 0) return;
    await this.batcher.submit({ jobs, grouped: false });
  }

  /**
   * Enqueues attempts that Postgres says are due but whose job may be gone. BullMQ ignores an add whose
   * id it still holds, so a job left under the attempt's id that will never run would strand the
   * delivery: a finished one (kept by a retention setting, or failed by BullMQ itself), or an orphan
   * whose hash outlived the list or set that held it (keys deleted one by one while workers ran). Such
   * leftovers are removed first; waiting, delayed and active jobs are left alone, since they will run.
   */
  async requeue(jobs: readonly ScheduledDeliveryJob[]): Promise<void> {
    if (jobs.length === 0) return;
    // Telling an orphan from a waiting job means scanning the wait list: only while that list is short.
    const lookForOrphans = (await this.queue.getWaitingCount()) <= ORPHAN_SEARCH_MAX_WAITING;
    await Promise.all(
      jobs.map(async (job) => {
        const existing = await this.queue.getJob(deliveryJobId(job));
        if (!existing) return;
        const neverRuns = lookForOrphans ? NEVER_RUNS.has(await existing.getState()) : (await existing.isCompleted()) || (await existing.isFailed());
        // A job still locked by a worker is not removed (remove answers 0); a later sweep tries again.
        if (neverRuns) await this.queue.remove(existing.id!);
      }),
    );
    await this.enqueueEach(jobs);
  }

  private async addBulk(requests: readonly EnqueueRequest[]): Promise<void> {
    const single: ScheduledDeliveryJob[] = [];
    const dueNow = new Map<string, DeliveryJob>();
    for (const { jobs, grouped } of requests) {
      for (const job of jobs) {
        // The same attempt twice in one group would be two claims of one delivery in one batch.
        if (grouped && !((job.delayMs ?? 0) > 0)) dueNow.set(deliveryJobId(job), { deliveryId: job.deliveryId, attemptNumber: job.attemptNumber });
        else single.push(job);
      }
    }
    const groups: DeliveryGroupJob[] = [];
    const grouping = [...dueNow.values()];
    for (let start = 0; start < grouping.length; start += DELIVERY_GROUP_MAX) {
      const deliveries = grouping.slice(start, start + DELIVERY_GROUP_MAX);
      // A group of one is just a job: it keeps the attempt's own id.
      if (deliveries.length === 1) single.push(deliveries[0]);
      else groups.push({ deliveries });
    }
    await this.queue.addBulk([
      ...groups.map((group) => ({ name: DELIVERY_GROUP_JOB, data: group, opts: { jobId: deliveryGroupJobId(group) } })),
      ...single.map(({ deliveryId, attemptNumber, delayMs }) => ({
        name: 'deliver',
        data: { deliveryId, attemptNumber },
        opts: { jobId: deliveryJobId({ deliveryId, attemptNumber }), delay: Math.max(0, delayMs ?? 0) },
      })),
    ]);
  }

  /** Enqueues attempts promoted in their ordered lane, each under `lanePromotionJobId`, due now. */
  async enqueuePromoted(jobs: readonly DeliveryJob[]): Promise<void> {
    if (jobs.length === 0) return;
    await this.queue.addBulk(jobs.map(({ deliveryId, attemptNumber }) => ({ name: 'deliver', data: { deliveryId, attemptNumber }, opts: { jobId: lanePromotionJobId({ deliveryId, attemptNumber }) } })));
  }

  async enqueueResends(jobs: readonly ResendJob[]): Promise<void> {
    if (jobs.length === 0) return;
    await this.queue.addBulk(jobs.map((job) => ({ name: RESEND_JOB, data: job, opts: { jobId: resendJobId(job) } })));
  }

  /**
   * Enqueues on behalf of a request whose writes are already committed: waits at most `waitMs` (BullMQ
   * waits for a lost Redis forever) and reports failure instead of throwing, since the sweeper enqueues
   * from Postgres whatever did not make it. Resolves to true when Redis took the jobs.
   */
  async offer(add: (queue: this) => Promise<void>, waitMs = 2_000): Promise<boolean> {
    try {
      await withTimeout(add(this), waitMs);
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}
