import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { DeliveryModule } from '../delivery/delivery.module';
import { DeliveryWorkerHealthIndicator } from './delivery-worker.health';
import { HealthController } from './health.controller';
import { RedisHealthIndicator } from './redis.health';

@Module({
  imports: [TerminusModule, DeliveryModule],
  controllers: [HealthController],
  providers: [RedisHealthIndicator, DeliveryWorkerHealthIndicator],
})
export class HealthModule {}
