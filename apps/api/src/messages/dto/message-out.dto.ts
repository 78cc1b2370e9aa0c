import { MessageEntity } from '@app/persistence';

/** Svix's `MessageOut`. */
export class MessageOut {
  id: string;
  eventType: string;
  eventId: string | null;
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
    payload: JSON.parse(message.payload) as unknown,
    channels: message.channels,
    tags: null,
    timestamp: message.createdAt.toISOString(),
  };
}
