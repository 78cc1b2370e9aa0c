import { DeliveryStatus, SVIX_STATUS_TEXT, svixStatusOfDelivery, SvixMessageStatus } from '@app/core';
import { DeliveryEntity, EndpointEntity } from '@app/persistence';
import { EndpointOut, toEndpointOut } from '../../endpoints/dto/endpoint-out.dto';

/** Svix's `MessageEndpointOut`: an endpoint a message was sent to, and where that delivery stands. */
export class MessageEndpointOut extends EndpointOut {
  status: SvixMessageStatus;
  statusText: string;
  /** When the next scheduled attempt is due, while one is. */
  nextAttempt: string | null;
}

export function toMessageEndpointOut(delivery: DeliveryEntity, endpoint: EndpointEntity): MessageEndpointOut {
  const status = svixStatusOfDelivery(delivery.status);
  return {
    ...toEndpointOut(endpoint),
    status,
    statusText: SVIX_STATUS_TEXT[status],
    nextAttempt: delivery.status === DeliveryStatus.Pending ? (delivery.nextAttemptAt?.toISOString() ?? null) : null,
  };
}
