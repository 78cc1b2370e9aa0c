import { IntersectionType } from '@nestjs/swagger';
import { DeliveryEntity, EndpointEntity } from '@app/persistence';
import { EndpointOut, toEndpointOut } from '../../endpoints/dto/endpoint-out.dto';
import { DeliveryProgressOut, toDeliveryProgressOut } from './delivery-progress.dto';

/** Svix's `MessageEndpointOut`: an endpoint a message was sent to, and where that delivery stands. */
export class MessageEndpointOut extends IntersectionType(EndpointOut, DeliveryProgressOut) {}

export function toMessageEndpointOut(delivery: DeliveryEntity, endpoint: EndpointEntity): MessageEndpointOut {
  return { ...toEndpointOut(endpoint), ...toDeliveryProgressOut(delivery) };
}
