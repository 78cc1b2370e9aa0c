import { IdemConfig, IdemConfigModule, REDACTED_LOG_PATHS } from '@app/config';
import { PersistenceModule } from '@app/persistence';
import { QueueModule } from '@app/queue';
import { Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { DeliveryModule } from './delivery/delivery.module';
import { HealthModule } from './health/health.module';
import { MaintenanceModule } from './maintenance/maintenance.module';
import { MetricsModule } from './metrics/metrics.module';

@Module({
  imports: [
    IdemConfigModule,
    LoggerModule.forRootAsync({
      inject: [IdemConfig],
      // The worker's HTTP server only answers health checks and scrapes: logging each would drown the log.
      useFactory: (config: IdemConfig) => ({ pinoHttp: { level: config.logLevel, redact: REDACTED_LOG_PATHS, autoLogging: false } }),
    }),
    PersistenceModule,
    QueueModule,
    DeliveryModule,
    MaintenanceModule,
    MetricsModule,
    HealthModule,
  ],
})
export class WorkerModule {}
