import { IdemConfig, loadIdemConfig } from '@app/config';
import { DeliveryRepository, DueDelivery, ResendRequest } from '@app/persistence';
import { DeliveryQueue, ResendJob, ScheduledDeliveryJob } from '@app/queue';
import { RequeueReason, WorkerMetrics } from '../metrics/worker-metrics';
import { DeliverySweeper } from './delivery-sweeper.service';

/** Postgres as the sweeper sees it: due deliveries handed out in batches, each at most once. */
class FakeDeliveries implements Pick<DeliveryRepository, 'expireLeases' | 'takeUnqueuedDue' | 'findLostResends'> {
  constructor(
    private readonly expired: DueDelivery[],
    private readonly unqueued: DueDelivery[],
  ) {}

  async expireLeases(limit: number): Promise<DueDelivery[]> {
    return this.expired.splice(0, limit);
  }

  async takeUnqueuedDue(_requeueAfterMs: number, limit: number): Promise<DueDelivery[]> {
    return this.unqueued.splice(0, limit);
  }

  async findLostResends(): Promise<ResendRequest[]> {
    return [];
  }
}

/** Deliveries requeued, added up per reason. */
class FakeMetrics implements Pick<WorkerMetrics, 'deliveriesRequeued'> {
  readonly requeued: Partial<Record<RequeueReason, number>> = {};

  deliveriesRequeued(reason: RequeueReason, count: number): void {
    this.requeued[reason] = (this.requeued[reason] ?? 0) + count;
  }
}

class FakeQueue implements Pick<DeliveryQueue, 'requeue' | 'enqueueResends'> {
  readonly requeued: ScheduledDeliveryJob[][] = [];

  async requeue(jobs: readonly ScheduledDeliveryJob[]): Promise<void> {
    this.requeued.push([...jobs]);
  }

  async enqueueResends(_jobs: readonly ResendJob[]): Promise<void> {}
}

function due(count: number, prefix: string): DueDelivery[] {
  return Array.from({ length: count }, (_, index) => ({ deliveryId: `${prefix}${index}`, attemptNumber: 2 }));
}

describe(DeliverySweeper.name, () => {
  const config: IdemConfig = loadIdemConfig({});

  function sweeperOver(deliveries: FakeDeliveries, queue: FakeQueue, metrics = new FakeMetrics()): DeliverySweeper {
    return new DeliverySweeper(deliveries as unknown as DeliveryRepository, queue as unknown as DeliveryQueue, metrics as unknown as WorkerMetrics, config);
  }

  it('requeues lease-expired and lost deliveries at the attempt Postgres names, and counts them by reason', async () => {
    const queue = new FakeQueue();
    const metrics = new FakeMetrics();
    const sut = sweeperOver(new FakeDeliveries(due(2, 'expired'), due(3, 'lost')), queue, metrics);

    expect(await sut.sweep()).toBe(5);
    expect(queue.requeued).toEqual([[...due(2, 'expired'), ...due(3, 'lost')]]);
    expect(metrics.requeued).toEqual({ lease_expired: 2, unqueued: 3, lost_resend: 0 });
  });

  it('keeps taking bounded batches while they come back full', async () => {
    const queue = new FakeQueue();
    const sut = sweeperOver(new FakeDeliveries(due(1000, 'expired'), due(2500, 'lost')), queue);

    expect(await sut.sweep()).toBe(3500);
    expect(queue.requeued.map((batch) => batch.length)).toEqual([2000, 1000, 500]);
    expect(new Set(queue.requeued.flat().map((job) => job.deliveryId)).size).toBe(3500);
  });

  it('enqueues nothing when nothing is due', async () => {
    const queue = new FakeQueue();
    expect(await sweeperOver(new FakeDeliveries([], []), queue).sweep()).toBe(0);
    expect(queue.requeued).toEqual([[]]);
  });
});
