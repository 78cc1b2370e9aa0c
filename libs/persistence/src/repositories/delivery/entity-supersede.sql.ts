import { EventSemantics } from '@app/core';

/**
 * SQL: the id of the newest state of the entity of message `olderMessage`, newer than it and accepted
 * with a delivery to endpoint `endpoint`; null when there is none or `olderMessage` is not a state.
 * Sending the older state there would only be overwritten (the Supersede transition). The API
 * supersedes at ingest (IntakeRepository); the worker asks this when it claims a state and when an
 * attempt of one failed, for a newer state accepted meanwhile.
 */
export function sqlNewerStateFor(olderMessage: string, endpoint: string): string {
  return `(SELECT newer.id FROM messages older
             JOIN messages newer ON newer.app_id = older.app_id AND newer.entity_name = older.entity_name
                                AND newer.entity_id = older.entity_id AND newer.entity_version > older.entity_version
                                AND newer.entity_semantics = '${EventSemantics.State}'
             JOIN deliveries fresh ON fresh.message_id = newer.id AND fresh.endpoint_id = ${endpoint}
            WHERE older.id = ${olderMessage} AND older.entity_semantics = '${EventSemantics.State}'
            ORDER BY newer.entity_version DESC LIMIT 1)`;
}
