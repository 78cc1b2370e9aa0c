import { MicroBatcher } from '@app/core';
import { Queue } from 'bullmq';
import IORedis from 'ioredis';
import { DELIVERY_QUEUE, DeliveryJob, deliveryJobId } from './delivery-job';

export interface ScheduledDeliveryJob extends DeliveryJob {
  /** Milliseconds from now until the attempt is due; 0 or absent for now. */
  delayMs?: number;
}

/**
 * The producer side of the delivery queue. Jobs enqueued by concurrent requests within a couple of
 * milliseconds go to Redis in one `addBulk`, one round trip for many deliveries.
 */
export class DeliveryQueue {
  readonly queue: Queue<DeliveryJob>;
  private readonly batcher = new MicroBatcher<readonly ScheduledDeliveryJob[], void>({ maxItems: 200, maxDelayMs: 2 }, async (batches) => {
    await this.addBulk(batches.flat());
    return batches.map(() => undefined);
  });

  constructor(connection: IORedis, prefix: string) {
    this.queue = new Queue<DeliveryJob>(DELIVERY_QUEUE, {
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
  }

  async enqueue(jobs: readonly ScheduledDeliveryJob[]): Promise<void> {
    if (jobs.length === 0) return;
    await this.batcher.submit(jobs);
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

  async close(): Promise<void> {
    await this.queue.close();
  }
}
