import { IdemConfig } from '@app/config';
import {
  createWorkerRedis,
  keyPrefixFor,
  RedisConnection,
  DELIVERY_GROUP_JOB,
  DELIVERY_QUEUE,
  DeliveryGroupJob,
  DeliveryJob,
  DeliveryQueue,
  RESEND_JOB,
  ResendJob,
  ScheduledDeliveryJob,
} from '@app/queue';
import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DelayedError, Job, Worker } from 'bullmq';
import { DeliverWebhookService, DeliveryJobResult, ResendJobResult } from './deliver-webhook.service';
import { DeliverySlots } from './delivery-slots';

/**
 * BullMQ's side of delivery: takes jobs and hands their ids to DeliverWebhookService. Postgres decides
 * what is due; a job that comes too early, or whose delivery another worker holds, is put back until
 * the time Postgres names, and one whose endpoint is throttled until the slot the throttle named. A job
 * put back keeps its id, so the sweeper's re-add of the same attempt changes nothing.
 *
 * Its lock and stall settings are the delivery policy's (`DeliveryPolicy.worker`, which says why).
 */
@Injectable()
export class DeliveryProcessor implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(DeliveryProcessor.name);
  private worker: Worker<DeliveryJob | ResendJob | DeliveryGroupJob> | undefined;
  private connection: RedisConnection | undefined;
  private readonly slots: DeliverySlots;
  private stopping = false;

  constructor(
    private readonly deliverWebhook: DeliverWebhookService,
    private readonly queue: DeliveryQueue,
    private readonly config: IdemConfig,
  ) {
    this.slots = new DeliverySlots(config.workerConcurrency);
  }

  async onApplicationBootstrap(): Promise<void> {
    this.connection = createWorkerRedis(this.config.redisUrl);
    const { lockDurationMs, stalledIntervalMs, maxStalledCount } = this.config.deliveryPolicy.worker;
    this.worker = new Worker<DeliveryJob | ResendJob | DeliveryGroupJob>(DELIVERY_QUEUE, (job, token) => this.process(job, token), {
      connection: this.connection,
      prefix: keyPrefixFor(this.connection, this.config.queuePrefix),
      concurrency: this.config.workerConcurrency,
      lockDuration: lockDurationMs,
      stalledInterval: stalledIntervalMs,
      maxStalledCount,
    });
    this.worker.on('error', (error) => this.logger.error({ err: error }, 'delivery worker error'));
    this.worker.on('failed', (job, error) => this.logger.warn({ err: error, jobId: job?.id }, 'delivery job failed; BullMQ or the sweeper will retry it'));
    // Start-up (and the readiness line main.ts prints) completes only once Redis answers.
    await this.worker.waitUntilReady();
  }

  /** True while the BullMQ worker is taking jobs: started, not paused, not closing. */
  isTakingJobs(): boolean {
    const worker = this.worker;
    return worker !== undefined && worker.isRunning() && !worker.isPaused() && worker.closing === undefined;
  }

  private async process(job: Job<DeliveryJob | ResendJob | DeliveryGroupJob>, token?: string): Promise<string> {
    if (job.name === DELIVERY_GROUP_JOB) return this.processGroup(job.data as DeliveryGroupJob);
    const result = await this.slots.run<DeliveryJobResult | ResendJobResult>(() =>
      job.name === RESEND_JOB ? this.deliverWebhook.resend(job.data as ResendJob) : this.deliverWebhook.deliver(job.data as DeliveryJob),
    );
    const retryAt = retryTimeOf(result);
    if (retryAt !== null && token) {
      await job.moveToDelayed(retryAt, token);
      throw new DelayedError();
    }
    return result.kind;
  }

  /**
   * Runs a group's attempts side by side. Those that must wait leave the group as delayed jobs of their
   * own; once the worker is stopping, those not yet started leave it due now, for the next worker. If
   * one attempt throws, the group fails after the others have finished and BullMQ runs it again: an
   * attempt already recorded is refused as stale the second time, and one still leased waits for its lease.
   */
  private async processGroup(group: DeliveryGroupJob): Promise<string> {
    let handedBack = 0;
    // Handed back at once, as a job of its own would be moved to the delayed set: a throttle slot is kept
    // only if the attempt comes back for it on time, not once the slowest of its group has finished.
    const handBack = async (job: ScheduledDeliveryJob) => {
      handedBack++;
      await this.queue.enqueueEach([job]);
    };
    const outcomes = await Promise.allSettled(
      group.deliveries.map((delivery) =>
        this.slots.run(async () => {
          if (this.stopping) return handBack({ ...delivery, delayMs: 0 });
          const retryAt = retryTimeOf(await this.deliverWebhook.deliver(delivery));
          if (retryAt !== null) await handBack({ ...delivery, delayMs: Math.max(0, retryAt - Date.now()) });
        }),
      ),
    );
    const failure = outcomes.find((outcome) => outcome.status === 'rejected');
    if (failure) throw failure.reason;
    return `${group.deliveries.length - handedBack} of ${group.deliveries.length} attempted`;
  }

  /** Stops taking jobs and lets in-flight attempts finish; past the bound they are left to their lease. */
  async beforeApplicationShutdown(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    this.stopping = true;
    const bound = this.config.deliveryTimeoutMs + 2_000;
    const drained = await Promise.race([worker.close().then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), bound).unref())]);
    if (!drained) await worker.close(true);
    this.connection?.disconnect();
  }
}

/**
 * When a job that could not go now is worth running again (epoch ms), or null when it is done. Postgres'
 * time is not ours: a lease or due time is waited for a little past. A throttle slot is exact.
 */
function retryTimeOf(result: DeliveryJobResult | ResendJobResult): number | null {
  if (result.kind === 'throttled') return result.retryAt;
  if (result.kind === 'leased' || result.kind === 'early') return result.retryAt + 50;
  return null;
}
