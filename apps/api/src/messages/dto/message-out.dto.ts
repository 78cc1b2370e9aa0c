import { EXPIRED_PAYLOAD, SchemaViolation } from '@app/core';
import { MessageEntity } from '@app/persistence';

/** Svix's `MessageOut`. */
export class MessageOut {
  id: string;
  eventType: string;
  eventId: string | null;
  /**
   * As sent; `{"expired": true}` once expunged (its retention ran out, or it was deleted), as Svix shows
   * it; `{}` when the request asked `with_content=false`.
   */
  payload: unknown;
  channels: string[] | null;
  /** Idem keeps no tags: always null. */
  tags: string[] | null;
  timestamp: string;
  /**
   * Idem extension, only when its event type has a retry-safety contract: the entity it is about, and
   * for state messages whether it was stale on arrival (not newer than a version accepted before it,
   * so never sent).
   */
  entity?: { name: string; id: string; version: number | null; stale: boolean };
  /** Idem extension, only when its event type's schema is observed and the payload broke it: where and how. */
  schemaViolations?: SchemaViolation[];
}

export function toMessageOut(message: MessageEntity, withContent = true): MessageOut {
  return {
    id: message.id,
    eventType: message.eventType,
    eventId: message.eventId,
    payload: !withContent ? {} : message.payload === null ? EXPIRED_PAYLOAD : (JSON.parse(message.payload) as unknown),
    channels: message.channels,
    tags: null,
    timestamp: message.createdAt.toISOString(),
    ...(message.entityName !== null && message.entityName !== undefined
      ? { entity: { name: message.entityName, id: message.entityId!, version: message.entityVersion, stale: message.entityStale } }
      : {}),
    ...(message.schemaViolations ? { schemaViolations: message.schemaViolations } : {}),
  };
}
