/**
 * Named unique constraints that Idem's idempotency rests on. Code that turns a violation into a
 * "duplicate" answer matches on these names, never on message text.
 */
export const CONSTRAINT = {
  applicationUid: 'uq_applications_uid',
  endpointUid: 'uq_endpoints_app_uid',
  entityVersion: 'pk_entity_versions',
  messageEventId: 'pk_message_event_ids',
  idempotencyKey: 'pk_idempotency_records',
  deliveryPerEndpoint: 'uq_deliveries_message_endpoint',
  /** One delivery in flight per ordered lane (endpoint, entity): a second claim in the lane fails rather than sends. */
  laneInFlight: 'uq_deliveries_lane_in_flight',
  scheduledAttemptNumber: 'uq_attempts_delivery_scheduled_number',
  eventTypeName: 'pk_event_types',
  apiTokenHash: 'uq_api_tokens_token_hash',
  payloadFingerprint: 'pk_payload_fingerprints',
  sagaKey: 'uq_sagas_app_saga_id',
  sagaMessage: 'uq_saga_messages_step',
} as const;

const UNIQUE_VIOLATION = '23505';

/** True when `error` is Postgres refusing a row because of the named unique constraint. */
export function isUniqueViolation(error: unknown, constraint: string): boolean {
  const driverError = (error as { driverError?: { code?: string; constraint?: string } })?.driverError ?? error;
  const { code, constraint: violated } = (driverError ?? {}) as { code?: string; constraint?: string };
  return code === UNIQUE_VIOLATION && violated === constraint;
}
