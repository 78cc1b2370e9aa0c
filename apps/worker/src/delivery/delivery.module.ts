import { Module } from '@nestjs/common';
import { DeliverWebhookService } from './deliver-webhook.service';
import { DeliveryProcessor } from './delivery.processor';
import { UndiciWebhookSender, WebhookSender } from './webhook-sender';

@Module({
  providers: [DeliverWebhookService, DeliveryProcessor, { provide: WebhookSender, useClass: UndiciWebhookSender }],
})
export class DeliveryModule {}
