import { IdemConfig } from '@app/config';
import { createWorkerRedis, DELIVERY_QUEUE, DeliveryJob, RESEND_JOB, ResendJob } from '@app/queue';
import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DelayedError, Job, Worker } from 'bullmq';
import IORedis from 'ioredis';
import { DeliverWebhookService } from './deliver-webhook.service';

/**
 * BullMQ's side of delivery: takes jobs and hands their ids to DeliverWebhookService. Postgres decides
 * what is due; a job that comes too early, or whose delivery another worker holds, is put back until
 * the time Postgres names, and one whose endpoint is throttled until the slot the throttle named. A job
 * put back keeps its id, so the sweeper's re-add of the same attempt changes nothing.
 *
 * The lock settings make a dead worker's jobs stalled within lockDuration + stalledInterval (15 s) instead
 * of BullMQ's 60 s, and maxStalledCount is high so a stalled job always comes back rather than failing;
 * the lease in Postgres (the delivery timeout + 5 s) decides when another worker may take the delivery.
 */
@Injectable()
export class DeliveryProcessor implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(DeliveryProcessor.name);
  private worker: Worker<DeliveryJob | ResendJob> | undefined;
  private connection: IORedis | undefined;

  constructor(
    private readonly deliverWebhook: DeliverWebhookService,
    private readonly config: IdemConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.connection = createWorkerRedis(this.config.redisUrl);
    this.worker = new Worker<DeliveryJob | ResendJob>(DELIVERY_QUEUE, (job, token) => this.process(job, token), {
      connection: this.connection,
      prefix: this.config.queuePrefix,
      concurrency: this.config.workerConcurrency,
      lockDuration: 10_000,
      stalledInterval: 5_000,
      maxStalledCount: 1_000,
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

  private async process(job: Job<DeliveryJob | ResendJob>, token?: string): Promise<string> {
    const result = job.name === RESEND_JOB ? await this.deliverWebhook.resend(job.data as ResendJob) : await this.deliverWebhook.deliver(job.data as DeliveryJob);
    if ((result.kind === 'leased' || result.kind === 'early' || result.kind === 'throttled') && token) {
      // Postgres' time is not ours: a lease or due time is waited for a little past. A throttle slot is exact.
      await job.moveToDelayed(result.kind === 'throttled' ? result.retryAt : result.retryAt + 50, token);
      throw new DelayedError();
    }
    return result.kind;
  }

  /** Stops taking jobs and lets in-flight attempts finish; past the bound they are left to their lease. */
  async beforeApplicationShutdown(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    const bound = this.config.deliveryTimeoutMs + 2_000;
    const drained = await Promise.race([worker.close().then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), bound).unref())]);
    if (!drained) await worker.close(true);
    this.connection?.disconnect();
  }
}
