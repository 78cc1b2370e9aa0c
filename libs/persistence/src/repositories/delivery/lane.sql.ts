import { DeliveryStatus, EntityOrdering, sqlStatusIn, UNFINISHED_DELIVERY_STATUSES } from '@app/core';

/**
 * SQL: whether delivery `d` (of message `m`) must wait in its ordered lane: another unfinished delivery
 * of the same entity to the same endpoint was accepted before it, or is in flight. The lane's order is
 * the order its messages were accepted in (their transaction's time, then their ULID), which for states
 * is version order: an older version is refused at ingest. Reads the entity's messages through
 * `ix_messages_entity` and their deliveries through `ix_deliveries_endpoint_message`.
 */
export function sqlBehindInLane(d: string, m: string): string {
  return `EXISTS (SELECT 1 FROM messages am
                    JOIN deliveries ahead ON ahead.message_id = am.id AND ahead.endpoint_id = ${d}.endpoint_id
                   WHERE am.app_id = ${m}.app_id AND am.entity_name = ${m}.entity_name AND am.entity_id = ${m}.entity_id
                     AND ahead.id <> ${d}.id
                     AND (${sqlStatusIn([DeliveryStatus.Sending], 'ahead.status')}
                          OR (${sqlStatusIn(UNFINISHED_DELIVERY_STATUSES, 'ahead.status')} AND (am.created_at, am.id) < (${m}.created_at, ${m}.id))))`;
}

/** SQL join: the event type `et` of message `m`, when it orders its messages by entity. */
export function sqlOrderedEventType(m: string): string {
  return `JOIN event_types et ON et.name = ${m}.event_type AND et.retry_safety->>'ordering' = '${EntityOrdering.Entity}' AND ${m}.entity_name IS NOT NULL`;
}

/** SQL: the lane key of message `m`'s entity, as `deliveries.lane` holds it. */
export function sqlLaneKey(m: string): string {
  return `${m}.entity_name || chr(31) || ${m}.entity_id`;
}
