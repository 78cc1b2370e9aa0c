import { EXPIRED_PAYLOAD } from '@app/core';
import { MessageEntity } from '@app/persistence';

/** Svix's `MessageOut`. */
export class MessageOut {
  id: string;
  eventType: string;
  eventId: string | null;
  /** As sent; `{"expired": true}` once its retention ran out and it was expunged, as Svix shows it. */
  payload: unknown;
  channels: string[] | null;
  tags: null;
  timestamp: string;
}

export function toMessageOut(message: MessageEntity): MessageOut {
  return {
    id: message.id,
    eventType: message.eventType,
    eventId: message.eventId,
    payload: message.payload === null ? EXPIRED_PAYLOAD : (JSON.parse(message.payload) as unknown),
    channels: message.channels,
    tags: null,
    timestamp: message.createdAt.toISOString(),
  };
}
