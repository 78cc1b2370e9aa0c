import { IdemConfig } from '@app/config';
import { PRODUCER_REDIS } from '@app/queue';
import { Module } from '@nestjs/common';
import IORedis from 'ioredis';
import { DeliverWebhookService } from './deliver-webhook.service';
import { DeliveryProcessor } from './delivery.processor';
import { EndpointThrottle, RedisEndpointThrottle } from './endpoint-throttle';
import { OperationalWebhooks } from '../operational/operational-webhooks.service';
import { UndiciWebhookSender, WebhookSender } from './webhook-sender';

@Module({
  providers: [
    DeliverWebhookService,
    DeliveryProcessor,
    OperationalWebhooks,
    { provide: WebhookSender, useClass: UndiciWebhookSender },
    {
      provide: EndpointThrottle,
      inject: [PRODUCER_REDIS, IdemConfig],
      useFactory: (redis: IORedis, config: IdemConfig) => new RedisEndpointThrottle(redis, config.queuePrefix),
    },
  ],
})
export class DeliveryModule {}
