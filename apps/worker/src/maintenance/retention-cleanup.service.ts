import { IdemConfig } from '@app/config';
import { BACKGROUND_TASK_RETENTION_MS } from '@app/core';
import { RetainedTable, RetentionRepository } from '@app/persistence';
import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { WorkerMetrics } from '../metrics/worker-metrics';
import { PeriodicTask } from './periodic-task';

const BATCH = 1000;
const HOUR_MS = 60 * 60 * 1000;

/** What one cleanup did: rows deleted per table, and message payloads expunged. */
export interface CleanupReport {
  deleted: Record<RetainedTable, number>;
  expungedPayloads: number;
}

/** Keeps every table that grows with traffic bounded by its retention window, and customer content by its own. */
@Injectable()
export class RetentionCleanup implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(RetentionCleanup.name);
  private readonly task: PeriodicTask;

  constructor(
    private readonly retention: RetentionRepository,
    private readonly metrics: WorkerMetrics,
    private readonly config: IdemConfig,
  ) {
    this.task = new PeriodicTask(RetentionCleanup.name, config.cleanupIntervalMs, async () => {
      await this.cleanUp();
    });
  }

  onApplicationBootstrap(): void {
    this.task.start();
  }

  /** Before connections close (see DeliverySweeper). */
  async onModuleDestroy(): Promise<void> {
    await this.task.stop();
  }

  /**
   * Expunges payloads past their retention, then deletes everything past its window, each in bounded
   * batches until a batch comes back short.
   */
  async cleanUp(): Promise<CleanupReport> {
    const expungedPayloads = await inBatches(
      () => this.retention.expungeExpiredPayloads(BATCH),
      (count) => this.metrics.payloadsExpunged(count),
    );
    const windows: Record<RetainedTable, number> = {
      idempotencyRecords: this.config.idempotencyRetentionMs,
      messageEventIds: this.config.idempotencyRetentionMs,
      idempotencyFindings: this.config.idempotencyRetentionMs,
      // The detector compares only within its window; an older sighting is never read again.
      payloadFingerprints: this.config.sendTimeKeyWindowMs,
      messages: this.config.messageRetentionMs,
      backgroundTasks: BACKGROUND_TASK_RETENTION_MS,
      sagas: this.config.messageRetentionMs,
      // A counter's row names the start of its hour: it goes once the whole hour is past the messages' window.
      endpointDeliveryCounts: this.config.messageRetentionMs + HOUR_MS,
      endpointAttemptCounts: this.config.messageRetentionMs + HOUR_MS,
    };
    const deleted = { idempotencyRecords: 0, messageEventIds: 0, idempotencyFindings: 0, payloadFingerprints: 0, messages: 0, backgroundTasks: 0, sagas: 0, endpointDeliveryCounts: 0, endpointAttemptCounts: 0 };
    for (const table of Object.keys(windows) as RetainedTable[]) {
      deleted[table] = await inBatches(
        () => this.retention.deleteOlderThan(table, windows[table], BATCH),
        (count) => this.metrics.rowsDeleted(table, count),
      );
    }
    if (expungedPayloads > 0 || Object.values(deleted).some((count) => count > 0)) this.logger.log({ deleted, expungedPayloads }, 'retention cleanup');
    return { deleted, expungedPayloads };
  }
}

/**
 * Repeats a batch until one comes back smaller than the batch size; returns the total. Each batch's count
 * is reported as it commits, so a later batch failing does not lose the count of those that went.
 */
async function inBatches(batch: () => Promise<number>, report: (count: number) => void): Promise<number> {
  let total = 0;
  for (;;) {
    const count = await batch();
    report(count);
    total += count;
    if (count < BATCH) return total;
  }
}
