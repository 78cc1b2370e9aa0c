export * from './delivery-claim.repository';
export * from './delivery-outcome.repository';
export * from './delivery-resend.repository';
export * from './delivery-sweep.repository';
export type { ClaimedDelivery } from './sendable-delivery';
export * from './delivery-lane.repository';
