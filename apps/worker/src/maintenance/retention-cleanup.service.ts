import { IdemConfig } from '@app/config';
import { BACKGROUND_TASK_RETENTION_MS } from '@app/core';
import { RetainedTable, RetentionRepository } from '@app/persistence';
import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { PeriodicTask } from './periodic-task';

const BATCH = 1000;

/** Keeps every table that grows with traffic bounded by its retention window. */
@Injectable()
export class RetentionCleanup implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(RetentionCleanup.name);
  private readonly task: PeriodicTask;

  constructor(
    private readonly retention: RetentionRepository,
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

  /** Deletes, in bounded batches, everything past its retention window; returns the rows deleted per table. */
  async cleanUp(): Promise<Record<RetainedTable, number>> {
    const windows: Record<RetainedTable, number> = {
      idempotencyRecords: this.config.idempotencyRetentionMs,
      messageEventIds: this.config.idempotencyRetentionMs,
      messages: this.config.messageRetentionMs,
      backgroundTasks: BACKGROUND_TASK_RETENTION_MS,
    };
    const deleted = { idempotencyRecords: 0, messageEventIds: 0, messages: 0, backgroundTasks: 0 };
    for (const table of Object.keys(windows) as RetainedTable[]) {
      for (;;) {
        const count = await this.retention.deleteOlderThan(table, windows[table], BATCH);
        deleted[table] += count;
        if (count < BATCH) break;
      }
    }
    if (Object.values(deleted).some((count) => count > 0)) this.logger.log({ deleted }, 'retention cleanup');
    return deleted;
  }
}
