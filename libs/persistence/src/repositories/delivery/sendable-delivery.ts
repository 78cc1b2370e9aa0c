import { LaneExhaustion } from '@app/core';
import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { EndpointSecretCipher } from '../../endpoint-secret-cipher';
import { queryPrepared } from '../../prepared-query';

/** What a worker needs to send one claimed delivery: loaded in the same statement that claims it. */
export interface ClaimedDelivery {
  deliveryId: string;
  attemptNumber: number;
  messageId: string;
  endpointId: string;
  appId: string;
  /** Null once its message's payload was expunged: nothing is left to send. */
  payload: string | null;
  url: string;
  endpointDisabled: boolean;
  /** Messages per second the endpoint may receive (its own `throttleRate`, else its application's); null for no limit. */
  throttleRate: number | null;
  /** Secrets that sign this attempt, in clear: the current one and any rotated out less than the grace period ago. */
  secrets: string[];
  /** The endpoint's own headers (Svix's endpoint headers), sent beside the signature headers. */
  headers: Record<string, string>;
  /** The entity its message is about, when its event type has a retry-safety contract: sent as `idem-entity` headers. */
  entity: { name: string; id: string; version: number | null } | null;
  /** The ordered lane it heads, when its event type says `ordering: "entity"`; null otherwise. */
  lane: { key: string; onExhausted: LaneExhaustion } | null;
  /** Its message is a step or compensation of a saga, whose progress its outcome may move. */
  inSaga: boolean;
}

/** The rate limit of endpoint `e`: its own, else that of its application `a`. */
export const THROTTLE_RATE_SQL = `COALESCE(e.rate_limit, a.rate_limit) AS throttle_rate`;

/** The secrets (as stored) that sign for endpoint `e` now, newest first: the current one and any still in its rotation grace period. */
export const LIVE_SECRETS_SQL = `ARRAY(SELECT s.secret FROM endpoint_secrets s
                          WHERE s.endpoint_id = e.id AND (s.expires_at IS NULL OR s.expires_at > now())
                          ORDER BY s.created_at DESC) AS secrets`;

/**
 * The response body an attempt of message `m` is recorded with: none once the message's payload is
 * gone (an attempt in flight while its content was deleted), as the expunge would have left it.
 */
export const RESPONSE_BODY_SQL = (body: string, expunged: string) => `CASE WHEN m.payload IS NULL AND ${body} <> '' THEN ${expunged} ELSE ${body} END`;

/** The response headers, likewise: none once the message's payload is gone, since they go with the body. */
export const RESPONSE_HEADERS_SQL = (headers: string) => `CASE WHEN m.payload IS NULL THEN NULL ELSE ${headers} END`;

/** A delivery joined with its message and endpoint: everything an attempt needs to be signed and sent. */
export interface SendableRow {
  delivery_id: string;
  message_id: string;
  endpoint_id: string;
  app_id: string;
  payload: string | null;
  url: string;
  disabled: boolean;
  throttle_rate: number | null;
  secrets: string[] | null;
  headers: Record<string, string>;
  entity_name: string | null;
  entity_id: string | null;
  entity_version: string | null;
}

/** A delivery ready to sign and send, as the claim and a resend load it; throws `SecretDecryptionError` when a secret cannot be decrypted. */
export function toSendable(row: SendableRow, cipher: EndpointSecretCipher): Omit<ClaimedDelivery, 'attemptNumber' | 'lane' | 'inSaga'> {
  return {
    deliveryId: row.delivery_id,
    messageId: row.message_id,
    endpointId: row.endpoint_id,
    appId: row.app_id,
    payload: row.payload,
    url: row.url,
    endpointDisabled: row.disabled,
    throttleRate: row.throttle_rate,
    secrets: (row.secrets ?? []).map((stored) => cipher.open(row.endpoint_id, stored)),
    headers: row.headers,
    entity: row.entity_name === null ? null : { name: row.entity_name, id: row.entity_id!, version: row.entity_version === null ? null : Number(row.entity_version) },
  };
}

/**
 * The raw SQL every delivery repository runs, in the ambient transaction when there is one, each text
 * a prepared statement (see `queryPrepared`).
 */
export abstract class DeliverySql {
  constructor(protected readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>) {}

  /** The rows the statement returned (those of its RETURNING, for a write). */
  protected async query<T = Record<string, unknown>>(sql: string, parameters: unknown[]): Promise<T[]> {
    return (await queryPrepared<T>(this.txHost.tx, sql, parameters)).rows;
  }
}
