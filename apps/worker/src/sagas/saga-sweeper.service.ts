import { IdemConfig } from '@app/config';
import { UnitOfWork } from '@app/persistence';
import { Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { PeriodicTask } from '../maintenance/periodic-task';
import { SagaProgress } from './saga-progress.service';

const BATCH = 100;

/**
 * Resumes sagas from Postgres: those whose message's deliveries all ended without the record batch
 * moving them (a cancel or a resend ended the last one, or the outcome came from an older worker), and
 * any whose next message was not written. Several workers sweep at once, each taking sagas the others
 * have not locked.
 */
@Injectable()
export class SagaSweeper implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly task: PeriodicTask;

  constructor(
    private readonly progress: SagaProgress,
    private readonly unitOfWork: UnitOfWork,
    config: IdemConfig,
  ) {
    this.task = new PeriodicTask(SagaSweeper.name, config.sweepIntervalMs, async () => {
      await this.sweep();
    });
  }

  onApplicationBootstrap(): void {
    this.task.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.task.stop();
  }

  /** One sweep, a batch per transaction; returns how many sagas it looked at. */
  async sweep(): Promise<number> {
    let total = 0;
    for (;;) {
      const count = await this.unitOfWork.run(() => this.progress.advanceStuck(BATCH));
      total += count;
      if (count < BATCH) return total;
    }
  }
}
