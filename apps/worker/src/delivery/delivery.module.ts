import { IdemConfig } from '@app/config';
import { IntakeModule } from '@app/intake';
import { PRODUCER_REDIS, RedisConnection } from '@app/queue';
import { Module } from '@nestjs/common';
import { MetricsModule } from '../metrics/metrics.module';
import { OperationalWebhooks } from '../operational/operational-webhooks.service';
import { SagaProgress } from '../sagas/saga-progress.service';
import { SagaSweeper } from '../sagas/saga-sweeper.service';
import { DeliverWebhookService } from './deliver-webhook.service';
import { DeliveryProcessor } from './delivery.processor';
import { EndpointThrottle, RedisEndpointThrottle } from './endpoint-throttle';
import { UndiciWebhookSender, WebhookSender } from './webhook-sender';

@Module({
  imports: [MetricsModule, IntakeModule],
  providers: [
    DeliverWebhookService,
    DeliveryProcessor,
    OperationalWebhooks,
    SagaProgress,
    SagaSweeper,
    { provide: WebhookSender, useClass: UndiciWebhookSender },
    {
      provide: EndpointThrottle,
      inject: [PRODUCER_REDIS, IdemConfig],
      useFactory: (redis: RedisConnection, config: IdemConfig) => new RedisEndpointThrottle(redis, config.queuePrefix),
    },
  ],
  exports: [DeliveryProcessor],
})
export class DeliveryModule {}
