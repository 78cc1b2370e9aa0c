/**
 * How an application applies its producers' keys (`eventId` and `Idempotency-Key`) on ingest. Rolling
 * idempotency out on a live producer starts in `observe`: nothing is refused or deduplicated while the
 * report shows what enforcing would have done.
 */
export enum IdempotencyMode {
  /** A repeated key is the first message again (same content) or refused (409, 422): Svix's behaviour. */
  Enforce = 'enforce',
  /** A repeated key is processed as if new; what enforcing would have done is recorded as a finding. */
  Observe = 'observe',
}

/** What the idempotency report counts. */
export enum IdempotencyFindingKind {
  /** A repeated key with the same content: enforcing would have answered with the first message. */
  Replay = 'replay',
  /** A repeated key with other content: enforcing would have refused it (409 or 422); the key is not unique per operation. */
  Conflict = 'conflict',
  /** The same event type and payload under another key within the detector's window: a key minted at send time, not at the event. */
  SendTimeKey = 'send_time_key',
}

/** Which of the producer's keys a finding is about. */
export enum ProducerKeyKind {
  EventId = 'event_id',
  IdempotencyKey = 'idempotency_key',
}
