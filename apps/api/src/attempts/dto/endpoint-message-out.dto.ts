import { IntersectionType } from '@nestjs/swagger';
import { DeliveryEntity, MessageEntity } from '@app/persistence';
import { MessageOut, toMessageOut } from '../../messages/dto/message-out.dto';
import { DeliveryProgressOut, toDeliveryProgressOut } from './delivery-progress.dto';

/** Svix's `EndpointMessageOut`: a message sent to an endpoint, and where that delivery stands. */
export class EndpointMessageOut extends IntersectionType(MessageOut, DeliveryProgressOut) {}

export function toEndpointMessageOut(delivery: DeliveryEntity, message: MessageEntity, withContent: boolean): EndpointMessageOut {
  return { ...toMessageOut(message, withContent), ...toDeliveryProgressOut(delivery) };
}
