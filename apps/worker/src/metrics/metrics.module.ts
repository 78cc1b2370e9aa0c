import { PrometheusModule } from '@app/metrics';
import { Module } from '@nestjs/common';
import { BacklogGauges } from './backlog-gauges';
import { MetricsController } from './metrics.controller';
import { WorkerMetrics } from './worker-metrics';

@Module({
  imports: [PrometheusModule],
  controllers: [MetricsController],
  providers: [WorkerMetrics, BacklogGauges],
  exports: [WorkerMetrics],
})
export class MetricsModule {}
