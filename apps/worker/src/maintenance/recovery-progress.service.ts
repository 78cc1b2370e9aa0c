import { IdemConfig } from '@app/config';
import { BackgroundTaskStatus, BackgroundTaskType } from '@app/core';
import { BackgroundTaskRepository, DeliveryResendRepository } from '@app/persistence';
import { Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { PeriodicTask } from './periodic-task';

/**
 * Follows running endpoint recoveries: a recovery is done when none of the resends it asked for is still
 * pending. Counting in Postgres, rather than on each attempt, keeps it right with any number of workers.
 */
@Injectable()
export class RecoveryProgress implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly task: PeriodicTask;

  constructor(
    private readonly tasks: BackgroundTaskRepository,
    private readonly deliveries: DeliveryResendRepository,
    config: IdemConfig,
  ) {
    this.task = new PeriodicTask(RecoveryProgress.name, config.sweepIntervalMs, () => this.update());
  }

  onApplicationBootstrap(): void {
    this.task.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.task.stop();
  }

  async update(): Promise<void> {
    for (const task of await this.tasks.findRunning(BackgroundTaskType.EndpointRecover, 100)) {
      const { endpointId, requestedAt, total } = task.data as { endpointId: string; requestedAt: string | null; total: number };
      // Tasks written before requestedAt was always set have null when nothing was marked.
      const pending = total === 0 || requestedAt === null ? 0 : await this.deliveries.countPendingResends(endpointId, new Date(requestedAt));
      if (pending === 0) await this.tasks.end(task.id, BackgroundTaskStatus.Finished, { done: total });
      else await this.tasks.updateProgress(task.id, { done: total - pending });
    }
  }
}
