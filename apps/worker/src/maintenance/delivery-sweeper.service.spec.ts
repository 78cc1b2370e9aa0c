import { IdemConfig, loadIdemConfig } from '@app/config';
import { DeliveryLaneRepository, DeliveryResendRepository, DeliverySweepRepository, DueDelivery, PendingCursor, PendingDelivery, PendingPage, ResendRequest } from '@app/persistence';
import { DeliveryQueue, QueueEpochCheck, ResendJob, ScheduledDeliveryJob } from '@app/queue';
import { Logger } from '@nestjs/common';
import { RequeueReason, WorkerMetrics } from '../metrics/worker-metrics';
import { DeliverySweeper } from './delivery-sweeper.service';

/**
 * Postgres as the sweeper sees it: due deliveries handed out in batches, each at most once; every pending
 * delivery and resend request walked in pages by their position in the list.
 */
class FakeDeliveries implements Pick<DeliverySweepRepository, 'expireLeases' | 'takeUnqueuedDue' | 'takePending'>, Pick<DeliveryResendRepository, 'findLostResends'> {
  /** Fails the next `takePending`, as a database blip would. */
  failNextTakePending = false;

  constructor(
    private readonly expired: DueDelivery[],
    private readonly unqueued: DueDelivery[],
    private readonly pending: PendingDelivery[] = [],
    private readonly resends: ResendRequest[] = [],
  ) {}

  async takePending(limit: number, after?: PendingCursor): Promise<PendingPage> {
    if (this.failNextTakePending) {
      this.failNextTakePending = false;
      throw new Error('connection reset');
    }
    const start = after ? this.pending.findIndex((delivery) => delivery.deliveryId === after.deliveryId) + 1 : 0;
    const deliveries = this.pending.slice(start, start + limit);
    const last = deliveries.at(-1);
    return { deliveries, next: deliveries.length === limit && last ? { nextAttemptAt: 'as stored', deliveryId: last.deliveryId } : null };
  }

  async expireLeases(limit: number): Promise<DueDelivery[]> {
    return this.expired.splice(0, limit);
  }

  async takeUnqueuedDue(_requeueAfterMs: number, limit: number): Promise<DueDelivery[]> {
    return this.unqueued.splice(0, limit);
  }

  async findLostResends(requeueAfterMs: number, limit: number, after?: ResendRequest): Promise<ResendRequest[]> {
    if (requeueAfterMs > 0) return [];
    const start = after ? this.resends.findIndex((resend) => resend.deliveryId === after.deliveryId) + 1 : 0;
    return this.resends.slice(start, start + limit);
  }
}

/** Deliveries requeued, added up per reason. */
class FakeMetrics implements Pick<WorkerMetrics, 'deliveriesRequeued'> {
  readonly requeued: Partial<Record<RequeueReason, number>> = {};

  deliveriesRequeued(reason: RequeueReason, count: number): void {
    this.requeued[reason] = (this.requeued[reason] ?? 0) + count;
  }
}

/** The queue as the sweeper sees it: what it was given, and what each look at its epoch finds, in turn. */
class FakeQueue implements Pick<DeliveryQueue, 'requeue' | 'enqueueResends' | 'checkEpoch'> {
  readonly requeued: ScheduledDeliveryJob[][] = [];
  readonly resent: ResendJob[][] = [];

  constructor(private readonly epochs: QueueEpochCheck[] = []) {}

  async checkEpoch(): Promise<QueueEpochCheck> {
    return this.epochs.shift() ?? { kind: 'unchanged' };
  }

  async requeue(jobs: readonly ScheduledDeliveryJob[]): Promise<void> {
    this.requeued.push([...jobs]);
  }

  async enqueueResends(jobs: readonly ResendJob[]): Promise<void> {
    this.resent.push([...jobs]);
  }
}

function due(count: number, prefix: string): DueDelivery[] {
  return Array.from({ length: count }, (_, index) => ({ deliveryId: `${prefix}${index}`, attemptNumber: 2 }));
}

function pending(count: number): PendingDelivery[] {
  return due(count, 'pending').map((delivery, index) => ({ ...delivery, delayMs: index % 2 === 0 ? 0 : 60_000 }));
}

function resendRequests(count: number): ResendRequest[] {
  return Array.from({ length: count }, (_, index) => ({ deliveryId: `resent${index}`, requestedAt: new Date(1_800_000_000_000) }));
}

const lostHere: QueueEpochCheck = { kind: 'lost', rebuild: true };
const lostElsewhere: QueueEpochCheck = { kind: 'lost', rebuild: false };

describe(DeliverySweeper.name, () => {
  const config: IdemConfig = loadIdemConfig({});

  function sweeperOver(deliveries: FakeDeliveries, queue: FakeQueue, metrics = new FakeMetrics()): DeliverySweeper {
    return new DeliverySweeper(deliveries as unknown as DeliverySweepRepository, deliveries as unknown as DeliveryResendRepository, { promoteStranded: async () => [] } as unknown as DeliveryLaneRepository, queue as unknown as DeliveryQueue, metrics as unknown as WorkerMetrics, config);
  }

  it('requeues lease-expired and lost deliveries at the attempt Postgres names, and counts them by reason', async () => {
    const queue = new FakeQueue();
    const metrics = new FakeMetrics();
    const sut = sweeperOver(new FakeDeliveries(due(2, 'expired'), due(3, 'lost')), queue, metrics);

    expect(await sut.sweep()).toBe(5);
    expect(queue.requeued).toEqual([[...due(2, 'expired'), ...due(3, 'lost')]]);
    expect(metrics.requeued).toEqual({ lease_expired: 2, unqueued: 3, lost_resend: 0, lane_stranded: 0 });
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

  describe('when Redis lost its data', () => {
    let warnings: jest.SpyInstance;

    beforeEach(() => {
      warnings = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
      jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    });

    afterEach(() => jest.restoreAllMocks());

    it('re-enqueues every pending delivery with the delay it has left, and every resend, whatever their enqueued_at, then sweeps as usual', async () => {
      const queue = new FakeQueue([lostHere]);
      const metrics = new FakeMetrics();
      const sut = sweeperOver(new FakeDeliveries(due(1, 'expired'), due(1, 'lost'), pending(4), resendRequests(2)), queue, metrics);

      expect(await sut.sweep()).toBe(8);
      expect(queue.requeued).toEqual([pending(4), [...due(1, 'expired'), ...due(1, 'lost')]]);
      expect(queue.resent).toEqual([resendRequests(2).map((resend) => ({ deliveryId: resend.deliveryId, requestedAt: 1_800_000_000_000 })), []]);
      expect(metrics.requeued).toEqual({ redis_lost: 6, lease_expired: 1, unqueued: 1, lost_resend: 0, lane_stranded: 0 });
      expect(warnings).toHaveBeenCalledTimes(1);
      expect(warnings.mock.calls[0][1]).toMatch(/re-enqueued 4 pending deliveries and 2 resends/);
    });

    it('walks pending deliveries and resends page after page until a short one', async () => {
      const queue = new FakeQueue([lostHere]);
      const sut = sweeperOver(new FakeDeliveries([], [], pending(2500), resendRequests(1000)), queue);

      expect(await sut.sweep()).toBe(3500);
      expect(queue.requeued.map((batch) => batch.length)).toEqual([1000, 1000, 500, 0]);
      expect(new Set(queue.requeued.flat().map((job) => job.deliveryId)).size).toBe(2500);
      expect(queue.resent.map((batch) => batch.length)).toEqual([1000, 0, 0]);
    });

    it('leaves the re-enqueueing to the worker whose new marker won', async () => {
      const queue = new FakeQueue([lostElsewhere]);
      const metrics = new FakeMetrics();
      const sut = sweeperOver(new FakeDeliveries([], [], pending(3), resendRequests(1)), queue, metrics);

      expect(await sut.sweep()).toBe(0);
      expect(queue.requeued).toEqual([[]]);
      expect(metrics.requeued).toEqual({ lease_expired: 0, unqueued: 0, lost_resend: 0, lane_stranded: 0 });
      expect(warnings).not.toHaveBeenCalled();
    });

    it('re-enqueues once per loss, and again on the next sweep when the first try failed', async () => {
      const deliveries = new FakeDeliveries([], [], pending(3));
      deliveries.failNextTakePending = true;
      const queue = new FakeQueue([lostHere]);
      const sut = sweeperOver(deliveries, queue);

      await expect(sut.sweep()).rejects.toThrow('connection reset');
      expect(await sut.sweep()).toBe(3);
      expect(await sut.sweep()).toBe(0);
      expect(queue.requeued.flat()).toEqual(pending(3));
      expect(warnings).toHaveBeenCalledTimes(1);
    });
  });
});
