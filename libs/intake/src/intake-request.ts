import { IdemError } from '@app/core';
import { MessageEntity } from '@app/persistence';

/** One message to accept, as its producer described it. */
export interface IntakeMessage {
  eventType: string;
  /** The producer's key for the event: a repeat with the same content is the first message again. */
  eventId: string | null;
  /** Serialised once, on acceptance: every attempt sends the same bytes. */
  payload: Record<string, unknown>;
  channels: string[] | null;
  /** How long after acceptance the payload is expunged. */
  payloadRetentionHours: number;
}

/** The `Idempotency-Key` a request carried, and what to store as its response. */
export interface IntakeIdempotency {
  /** Whose key and for which route. */
  scope: string;
  key: string;
  /** Fingerprint of what was asked: the same key with another fingerprint is a 422. */
  requestHash: string;
  /** The response replayed for this key, built from the request's results; null when it failed and so is not stored. */
  respond(results: readonly IntakeResult[]): { status: number; body: unknown } | null;
}

/** A request to accept messages into one application: a single create, or a batch. */
export interface IntakeRequest {
  /** The application, by id or uid. */
  application: string;
  /** Set for a credential confined to one application: any other is not found. */
  onlyApplicationId: string | null;
  messages: readonly IntakeMessage[];
  idempotency?: IntakeIdempotency;
  /** Sends the messages to this endpoint alone, whatever its filters (a test event); a disabled one refuses the request. */
  onlyEndpointId?: string;
  /** The eventIds are Idem's own, derived (a saga's messages): the send-time-key detector, which judges a producer's keys, leaves them out. */
  derivedEventIds?: true;
}

/** What became of one message: accepted (or found already accepted under its eventId), or refused. */
export type IntakeResult = { kind: 'accepted'; message: MessageEntity; replayed: boolean } | { kind: 'refused'; error: IdemError };

/**
 * What became of a request: its messages' results; or, for a repeated Idempotency-Key, the first
 * response; or refused as a whole (its application is not found, its key is in flight or reused).
 */
export type IntakeOutcome =
  | { kind: 'written'; results: IntakeResult[] }
  | { kind: 'replayed'; status: number; body: unknown }
  | { kind: 'refused'; error: IdemError };
