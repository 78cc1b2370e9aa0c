import { Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { DeliveryProcessor } from '../delivery/delivery.processor';

/** The BullMQ worker is taking delivery jobs: down while it has not started, or once it is closing. */
@Injectable()
export class DeliveryWorkerHealthIndicator {
  constructor(
    private readonly processor: DeliveryProcessor,
    private readonly indicators: HealthIndicatorService,
  ) {}

  check(key: string): HealthIndicatorResult {
    const indicator = this.indicators.check(key);
    return this.processor.isTakingJobs() ? indicator.up() : indicator.down({ message: 'the delivery worker is not taking jobs' });
  }
}
