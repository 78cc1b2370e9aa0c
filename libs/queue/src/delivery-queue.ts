import { MicroBatcher, withTimeout } from '@app/core';
import { JobType, Queue } from 'bullmq';
import IORedis from 'ioredis';
import { DELIVERY_QUEUE, DeliveryJob, deliveryJobId, RESEND_JOB, ResendJob, resendJobId } from './delivery-job';
import { QueueEpoch, QueueEpochCheck, queueEpochKey } from './queue-epoch';

/** Above this many waiting jobs the sweeper stops looking for orphaned ones (see `requeue`). */
const ORPHAN_SEARCH_MAX_WAITING = 10_000;

/** Job states BullMQ never processes again; `unknown` is a job hash held in no list or set. */
const NEVER_RUNS: ReadonlySet<string> = new Set(['completed', 'failed', 'unknown']);

export interface ScheduledDeliveryJob extends DeliveryJob {
  /** Milliseconds from now until the attempt is due; 0 or absent for now. */
  delayMs?: number;
}

/**
 * The producer side of the delivery queue. Jobs enqueued by concurrent requests within a couple of
 * milliseconds go to Redis in one `addBulk`, one round trip for many deliveries.
 */
export class DeliveryQueue {
  readonly queue: Queue<DeliveryJob | ResendJob>;
  private readonly epoch: QueueEpoch;
  private readonly batcher = new MicroBatcher<readonly ScheduledDeliveryJob[], void>({ maxItems: 200, maxDelayMs: 2 }, async (batches) => {
    await this.addBulk(batches.flat());
    return batches.map(() => undefined);
  });

  constructor(connection: IORedis, prefix: string) {
    this.queue = new Queue<DeliveryJob | ResendJob>(DELIVERY_QUEUE, {
      connection,
      prefix,
      defaultJobOptions: {
        // Finished jobs are dropped at once: Postgres keeps the record, and a lingering id would
        // make BullMQ ignore the sweeper's re-add of the same attempt.
        removeOnComplete: true,
        removeOnFail: true,
        attempts: 3,
        backoff: { type: 'exponential', delay: 1000 },
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

  async enqueue(jobs: readonly ScheduledDeliveryJob[]): Promise<void> {
    if (jobs.length === 0) return;
    await this.batcher.submit(jobs);
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
    await this.enqueue(jobs);
  }

  private async addBulk(jobs: readonly ScheduledDeliveryJob[]): Promise<void> {
    await this.queue.addBulk(
      jobs.map(({ deliveryId, attemptNumber, delayMs }) => ({
        name: 'deliver',
        data: { deliveryId, attemptNumber },
        opts: { jobId: deliveryJobId({ deliveryId, attemptNumber }), delay: Math.max(0, delayMs ?? 0) },
      })),
    );
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
