import { IdemConfig, IdemConfigModule, REDACTED_LOG_PATHS } from '@app/config';
import { PersistenceModule } from '@app/persistence';
import { QueueModule } from '@app/queue';
import { Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { DeliveryModule } from './delivery/delivery.module';
import { MaintenanceModule } from './maintenance/maintenance.module';

@Module({
  imports: [
    IdemConfigModule,
    LoggerModule.forRootAsync({
      inject: [IdemConfig],
      useFactory: (config: IdemConfig) => ({ pinoHttp: { level: config.logLevel, redact: REDACTED_LOG_PATHS } }),
    }),
    PersistenceModule,
    QueueModule,
    DeliveryModule,
    MaintenanceModule,
  ],
})
export class WorkerModule {}
