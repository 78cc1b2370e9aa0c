import { IdemConfig, IdemConfigModule } from '@app/config';
import { PersistenceModule } from '@app/persistence';
import { QueueModule } from '@app/queue';
import { Module } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import { ApiTokensModule } from './api-tokens/api-tokens.module';
import { ApplicationsModule } from './applications/applications.module';
import { AttemptsModule } from './attempts/attempts.module';
import { AuthModule } from './auth/auth.module';
import { BackgroundTasksModule } from './background-tasks/background-tasks.module';
import { ConsoleModule } from './console/console.module';
import { EndpointStatsModule } from './endpoint-stats/endpoint-stats.module';
import { IdempotencyReportModule } from './idempotency-report/idempotency-report.module';
import { SagasModule } from './sagas/sagas.module';
import { EndpointsModule } from './endpoints/endpoints.module';
import { EventTypesModule } from './event-types/event-types.module';
import { HealthModule } from './health/health.module';
import { requestLogParams } from './http/request-log';
import { SvixErrorFilter } from './http/svix-error.filter';
import { SvixValidationPipe } from './http/validation.pipe';
import { IdempotencyModule } from './idempotency/idempotency.module';
import { MessagesModule } from './messages/messages.module';
import { MetricsModule } from './metrics/metrics.module';
import { RecoveryModule } from './recovery/recovery.module';

@Module({
  imports: [
    IdemConfigModule,
    LoggerModule.forRootAsync({
      inject: [IdemConfig],
      useFactory: (config: IdemConfig) => requestLogParams(config.logLevel),
    }),
    PersistenceModule,
    QueueModule,
    AuthModule,
    IdempotencyModule,
    HealthModule,
    MetricsModule,
    ConsoleModule,
    ApplicationsModule,
    EventTypesModule,
    EndpointsModule,
    MessagesModule,
    RecoveryModule,
    AttemptsModule,
    EndpointStatsModule,
    IdempotencyReportModule,
    SagasModule,
    BackgroundTasksModule,
    ApiTokensModule,
  ],
  providers: [
    { provide: APP_FILTER, useClass: SvixErrorFilter },
    { provide: APP_PIPE, useClass: SvixValidationPipe },
  ],
})
export class ApiModule {}
