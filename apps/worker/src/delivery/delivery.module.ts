import { Module } from '@nestjs/common';
import { DeliverWebhookService } from './deliver-webhook.service';
import { DeliveryProcessor } from './delivery.processor';
import { OperationalWebhooks } from '../operational/operational-webhooks.service';
import { UndiciWebhookSender, WebhookSender } from './webhook-sender';

@Module({
  providers: [DeliverWebhookService, DeliveryProcessor, OperationalWebhooks, { provide: WebhookSender, useClass: UndiciWebhookSender }],
})
export class DeliveryModule {}
