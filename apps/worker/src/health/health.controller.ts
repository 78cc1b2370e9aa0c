import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckResult, HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { DeliveryWorkerHealthIndicator } from './delivery-worker.health';
import { RedisHealthIndicator } from './redis.health';

const PING_TIMEOUT_MS = 2_000;

@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly redis: RedisHealthIndicator,
    private readonly deliveryWorker: DeliveryWorkerHealthIndicator,
  ) {}

  /**
   * 200 while this worker can deliver: Postgres and Redis answer and its BullMQ worker takes jobs; 503
   * otherwise, with terminus' report of which check failed. Unlike the API, a worker needs Redis to work.
   */
  @Get()
  @HealthCheck()
  check(): Promise<HealthCheckResult> {
    return this.health.check([
      () => this.database.pingCheck('database', { timeout: PING_TIMEOUT_MS }),
      () => this.redis.pingCheck('redis', PING_TIMEOUT_MS),
      () => this.deliveryWorker.check('deliveryWorker'),
    ]);
  }
}
