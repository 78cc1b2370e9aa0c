import { IdemConfig } from '@app/config';
import { DeliveryRepository } from '@app/persistence';
import { DeliveryQueue } from '@app/queue';
import { Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { WorkerMetrics } from '../metrics/worker-metrics';
import { PeriodicTask } from './periodic-task';

const BATCH = 1000;

/**
 * Rebuilds the queue from Postgres, the source of truth: deliveries whose worker died mid-attempt (lease
 * expired) and due deliveries whose job may have vanished with Redis are enqueued again. Job ids are
 * deterministic, so enqueueing one that still exists changes nothing. Any number of workers may sweep at
 * once: each takes rows the others have not locked.
 *
 * It stops in onModuleDestroy, which Nest runs before the processor drains (beforeApplicationShutdown)
 * and before connections close (onApplicationShutdown), so a stopping worker enqueues nothing more.
 */
@Injectable()
export class DeliverySweeper implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly task: PeriodicTask;

  constructor(
    private readonly deliveries: DeliveryRepository,
    private readonly queue: DeliveryQueue,
    private readonly metrics: WorkerMetrics,
    private readonly config: IdemConfig,
  ) {
    this.task = new PeriodicTask(DeliverySweeper.name, config.sweepIntervalMs, async () => {
      await this.sweep();
    });
  }

  onApplicationBootstrap(): void {
    this.task.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.task.stop();
  }

  /** One sweep; returns how many deliveries it enqueued. */
  async sweep(): Promise<number> {
    let enqueued = 0;
    for (;;) {
      const expired = await this.deliveries.expireLeases(BATCH);
      const unqueued = await this.deliveries.takeUnqueuedDue(this.config.requeueAfterMs, BATCH);
      await this.queue.requeue([...expired, ...unqueued]);
      this.metrics.deliveriesRequeued('lease_expired', expired.length);
      this.metrics.deliveriesRequeued('unqueued', unqueued.length);
      enqueued += expired.length + unqueued.length;
      if (expired.length < BATCH && unqueued.length < BATCH) break;
    }
    // Resend requests are few; one batch a sweep is enough, and their job ids make repeats harmless.
    const resends = await this.deliveries.findLostResends(this.config.requeueAfterMs, BATCH);
    await this.queue.enqueueResends(resends.map((resend) => ({ deliveryId: resend.deliveryId, requestedAt: resend.requestedAt.getTime() })));
    this.metrics.deliveriesRequeued('lost_resend', resends.length);
    return enqueued + resends.length;
  }
}
