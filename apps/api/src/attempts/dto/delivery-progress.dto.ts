import { DeliveryStatus, SVIX_STATUS_TEXT, svixStatusOfDelivery, SvixMessageStatus } from '@app/core';
import { DeliveryEntity } from '@app/persistence';

/** Where one delivery stands, as Svix shows it beside a message or an endpoint. */
export class DeliveryProgressOut {
  status: SvixMessageStatus;
  statusText: string;
  /** When the next scheduled attempt is due, while one is. */
  nextAttempt: string | null;
}

export function toDeliveryProgressOut(delivery: DeliveryEntity): DeliveryProgressOut {
  const status = svixStatusOfDelivery(delivery.status);
  return {
    status,
    statusText: SVIX_STATUS_TEXT[status],
    nextAttempt: delivery.status === DeliveryStatus.Pending ? (delivery.nextAttemptAt?.toISOString() ?? null) : null,
  };
}
