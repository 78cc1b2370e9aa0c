import { DeliveryStatus, UNRESENDABLE_DELIVERY_STATUSES } from '@app/core';

/**
 * Svix's resend answers `{}`. Idem adds a note where the resend is not an ordinary one: a delivery
 * blocking its ordered lane (a successful resend lets the lane move on), or a superseded or stale state,
 * which is not sent again.
 */
export interface ResendOut {
  idemStatus?: DeliveryStatus;
  detail?: string;
}

export function resendOut(status: DeliveryStatus): ResendOut {
  if (status === DeliveryStatus.Blocked) {
    return { idemStatus: status, detail: 'This delivery blocks its ordered lane; once the resend succeeds, the later messages of its entity go out' };
  }
  if (UNRESENDABLE_DELIVERY_STATUSES.includes(status)) {
    return { idemStatus: status, detail: 'Not resent: the receiver holds, or is being sent, a newer state of this entity' };
  }
  return {};
}
