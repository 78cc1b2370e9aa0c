import { IdemConfig } from '@app/config';
import { DeliveryLaneRepository, DeliveryResendRepository, DeliverySweepRepository, PendingCursor, ResendRequest } from '@app/persistence';
import { DeliveryQueue } from '@app/queue';
import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { WorkerMetrics } from '../metrics/worker-metrics';
import { PeriodicTask } from './periodic-task';

const BATCH = 1000;

/**
 * Rebuilds the queue from Postgres, the source of truth: deliveries whose worker died mid-attempt (lease
 * expired), due deliveries whose job may have vanished with Redis, and the next delivery of ordered lanes
 * whose head is done but whose promotion was lost, are enqueued again. Job ids are
 * deterministic, so enqueueing one that still exists changes nothing. Any number of workers may sweep at
 * once: each takes rows the others have not locked.
 *
 * Each sweep first asks the queue whether Redis lost its data since the last one (one GET of the queue's
 * epoch marker). When it did, the one worker whose new marker won re-enqueues every pending delivery,
 * due ones now and later ones with the delay they have left, and every resend request, whatever their
 * `enqueued_at`: waiting for IDEM_REQUEUE_AFTER would leave them stranded that long. Deliveries being
 * sent are left to their worker, which enqueues the next attempt itself, or to their lease if it died.
 * Should that worker die mid-rebuild, what it did not reach waits for the ordinary sweep.
 *
 * It stops in onModuleDestroy, which Nest runs before the processor drains (beforeApplicationShutdown)
 * and before connections close (onApplicationShutdown), so a stopping worker enqueues nothing more.
 */
@Injectable()
export class DeliverySweeper implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly task: PeriodicTask;
  private readonly logger = new Logger(DeliverySweeper.name);
  /** Set when this worker is to re-enqueue everything, until a rebuild completes: a failed one is tried again next sweep. */
  private rebuildOwed = false;

  constructor(
    private readonly deliveries: DeliverySweepRepository,
    private readonly resends: DeliveryResendRepository,
    private readonly lanes: DeliveryLaneRepository,
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
    const epoch = await this.queue.checkEpoch();
    if (epoch.kind === 'lost' && epoch.rebuild) this.rebuildOwed = true;
    else if (epoch.kind === 'lost') this.logger.log('Redis lost the queue; another worker re-enqueues the pending deliveries from Postgres');
    let enqueued = this.rebuildOwed ? await this.rebuild() : 0;
    for (;;) {
      const expired = await this.deliveries.expireLeases(BATCH);
      const unqueued = await this.deliveries.takeUnqueuedDue(this.config.requeueAfterMs, BATCH);
      const stranded = await this.lanes.promoteStranded(BATCH);
      await this.queue.requeue([...expired, ...unqueued, ...stranded]);
      this.metrics.deliveriesRequeued('lease_expired', expired.length);
      this.metrics.deliveriesRequeued('unqueued', unqueued.length);
      this.metrics.deliveriesRequeued('lane_stranded', stranded.length);
      enqueued += expired.length + unqueued.length + stranded.length;
      if (expired.length < BATCH && unqueued.length < BATCH && stranded.length < BATCH) break;
    }
    // Resend requests are few; one batch a sweep is enough, and their job ids make repeats harmless.
    const resends = await this.resends.findLostResends(this.config.requeueAfterMs, BATCH);
    await this.enqueueResends(resends);
    this.metrics.deliveriesRequeued('lost_resend', resends.length);
    return enqueued + resends.length;
  }

  /** Re-enqueues every pending delivery and resend request, in keyset pages; returns how many. */
  private async rebuild(): Promise<number> {
    const startedAt = Date.now();
    let deliveries = 0;
    let after: PendingCursor | undefined;
    do {
      const page = await this.deliveries.takePending(BATCH, after);
      await this.queue.requeue(page.deliveries);
      this.metrics.deliveriesRequeued('redis_lost', page.deliveries.length);
      deliveries += page.deliveries.length;
      after = page.next ?? undefined;
    } while (after);
    let resends = 0;
    let lastResend: ResendRequest | undefined;
    for (;;) {
      const page = await this.resends.findLostResends(0, BATCH, lastResend);
      await this.enqueueResends(page);
      this.metrics.deliveriesRequeued('redis_lost', page.length);
      resends += page.length;
      lastResend = page.at(-1);
      if (page.length < BATCH) break;
    }
    this.rebuildOwed = false;
    this.logger.warn(
      { deliveries, resends, durationMs: Date.now() - startedAt },
      `Redis lost the queue (its epoch marker was gone): re-enqueued ${deliveries} pending deliveries and ${resends} resends from Postgres`,
    );
    return deliveries + resends;
  }

  private async enqueueResends(resends: readonly ResendRequest[]): Promise<void> {
    await this.queue.enqueueResends(resends.map((resend) => ({ deliveryId: resend.deliveryId, requestedAt: resend.requestedAt.getTime() })));
  }
}
