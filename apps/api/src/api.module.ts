import { IdemConfig, IdemConfigModule } from '@app/config';
import { PersistenceModule } from '@app/persistence';
import { QueueModule } from '@app/queue';
import { Module } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import { AuthModule } from './auth/auth.module';
import { HealthModule } from './health/health.module';
import { SvixErrorFilter } from './http/svix-error.filter';
import { SvixValidationPipe } from './http/validation.pipe';

@Module({
  imports: [
    IdemConfigModule,
    LoggerModule.forRootAsync({
      inject: [IdemConfig],
      useFactory: (config: IdemConfig) => ({
        pinoHttp: {
          level: config.logLevel,
          redact: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'],
          autoLogging: { ignore: (req) => req.url?.startsWith('/api/v1/health') ?? false },
        },
      }),
    }),
    PersistenceModule,
    QueueModule,
    AuthModule,
    HealthModule,
  ],
  providers: [
    { provide: APP_FILTER, useClass: SvixErrorFilter },
    { provide: APP_PIPE, useClass: SvixValidationPipe },
  ],
})
export class ApiModule {}
