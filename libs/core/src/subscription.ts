/** What an endpoint listens to. Null or empty means "everything". */
export interface Subscription {
  filterTypes: readonly string[] | null;
  channels: readonly string[] | null;
}

/** What a message is about. */
export interface MessageRouting {
  eventType: string;
  channels: readonly string[] | null;
}

/**
 * Svix's routing rule: an endpoint with event-type filters gets only those types; an endpoint
 * with channels gets only messages that carry at least one of them.
 */
export function subscriptionMatches(subscription: Subscription, message: MessageRouting): boolean {
  const { filterTypes, channels } = subscription;
  if (filterTypes && filterTypes.length > 0 && !filterTypes.includes(message.eventType)) return false;
  if (channels && channels.length > 0) {
    const messageChannels = message.channels ?? [];
    if (!messageChannels.some((channel) => channels.includes(channel))) return false;
  }
  return true;
}
