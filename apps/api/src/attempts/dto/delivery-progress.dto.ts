import { DeliveryStatus, SVIX_STATUS_TEXT, svixStatusOfDelivery, SvixMessageStatus } from '@app/core';
import { DeliveryEntity } from '@app/persistence';

/** Where one delivery stands, as Svix shows it beside a message or an endpoint. */
export class DeliveryProgressOut {
  status: SvixMessageStatus;
  statusText: string;
  /** When the next scheduled attempt is due, while one is. */
  nextAttempt: string | null;
  /** Idem extension: the delivery's own status, finer than Svix's (`superseded` shows to Svix as canceled). */
  idemStatus: DeliveryStatus;
  /** Idem extension, for a superseded delivery: the message with the newer state that made it pointless. */
  supersededBy?: string;
}

export function toDeliveryProgressOut(delivery: DeliveryEntity): DeliveryProgressOut {
  const status = svixStatusOfDelivery(delivery.status);
  return {
    status,
    statusText: SVIX_STATUS_TEXT[status],
    nextAttempt: delivery.status === DeliveryStatus.Pending ? (delivery.nextAttemptAt?.toISOString() ?? null) : null,
    idemStatus: delivery.status,
    ...(delivery.supersededBy ? { supersededBy: delivery.supersededBy } : {}),
  };
}
