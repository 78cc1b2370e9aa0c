import { AttemptOutcome, AttemptTrigger, DeliveryStatus, newId } from '@app/core';
import type { Client } from 'pg';

export interface MessageSeed {
  appId: string;
  /** An endpoint of the application per delivery to write; the message goes nowhere without any. */
  endpointIds?: readonly string[];
  eventType?: string;
  channels?: string[] | null;
  /** When the message was accepted: its `created_at`, its deliveries', and the time in its id. */
  at?: Date;
  /** Every delivery's status; pending ones are due at `at`. */
  status?: DeliveryStatus;
  /** When its id was minted, if not at `at` (ingest mints it just before the insert). */
  idAt?: Date;
}

export interface AttemptSeed {
  messageId: string;
  endpointId: string;
  /** 0 for no response. */
  statusCode?: number;
  /** Default: succeeded for a 2xx, else failed. */
  outcome?: AttemptOutcome;
  durationMs?: number;
  at?: Date;
  response?: string;
  requestHeaders?: Record<string, string> | null;
  trigger?: AttemptTrigger;
  error?: string | null;
  /** When its id was minted, if not at `at` (the worker mints it once the response came). */
  idAt?: Date;
}

/**
 * Writes messages, deliveries and attempts straight into a suite's database, the way ingest and the
 * worker write them, for suites that read the delivery log without running a worker.
 */
export class DeliveryLogFactory {
  constructor(private readonly db: Client) {}

  /** A message and one delivery per endpoint; returns the message's id. */
  async createMessage(seed: MessageSeed): Promise<string> {
    const at = seed.at ?? new Date();
    const id = newId('message', (seed.idAt ?? at).getTime());
    const endpointIds = seed.endpointIds ?? [];
    const status = seed.status ?? DeliveryStatus.Pending;
    await this.db.query(
      `WITH message AS (
         INSERT INTO messages (id, app_id, event_type, payload, channels, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id
       )
       INSERT INTO deliveries (id, message_id, endpoint_id, app_id, status, next_attempt_at, created_at, updated_at)
       SELECT d.id, $1, d.endpoint_id, $2, $7::varchar, CASE WHEN $7::varchar = '${DeliveryStatus.Pending}' THEN $6::timestamptz END, $6, $6
         FROM message, unnest($8::varchar[], $9::varchar[]) AS d(id, endpoint_id)`,
      [
        id,
        seed.appId,
        seed.eventType ?? 'test.event',
        JSON.stringify({ seeded: true }),
        seed.channels ?? null,
        at,
        status,
        endpointIds.map(() => newId('delivery')),
        endpointIds,
      ],
    );
    return id;
  }

  /** Moves the delivery of `messageId` to `endpointId` to `status` (due at `nextAttemptAt` when pending). */
  async setDeliveryStatus(messageId: string, endpointId: string, status: DeliveryStatus, nextAttemptAt: Date | null = null): Promise<void> {
    const result = await this.db.query(
      `UPDATE deliveries SET status = $3, next_attempt_at = $4, updated_at = now() WHERE message_id = $1 AND endpoint_id = $2`,
      [messageId, endpointId, status, nextAttemptAt],
    );
    if (result.rowCount !== 1) throw new Error(`no delivery of ${messageId} to ${endpointId}`);
  }

  /** An attempt of the delivery of `messageId` to `endpointId`, numbered after the ones before it; returns its id. */
  async createAttempt(seed: AttemptSeed): Promise<string> {
    const at = seed.at ?? new Date();
    const statusCode = seed.statusCode ?? 200;
    const outcome = seed.outcome ?? (statusCode >= 200 && statusCode < 300 ? AttemptOutcome.Succeeded : AttemptOutcome.Failed);
    const id = newId('attempt', (seed.idAt ?? at).getTime());
    const result = await this.db.query(
      `INSERT INTO attempts (id, delivery_id, message_id, endpoint_id, app_id, attempt_number, trigger, outcome, url,
                             response_status_code, response_body, response_duration_ms, error, request_headers, created_at)
       SELECT $1, d.id, d.message_id, d.endpoint_id, d.app_id,
              (SELECT count(*) + 1 FROM attempts a WHERE a.delivery_id = d.id AND a.trigger = $4), $4, $5, e.url,
              $6, $7, $8, $9, $10, $11
         FROM deliveries d JOIN endpoints e ON e.id = d.endpoint_id
        WHERE d.message_id = $2 AND d.endpoint_id = $3`,
      [
        id,
        seed.messageId,
        seed.endpointId,
        seed.trigger ?? AttemptTrigger.Scheduled,
        outcome,
        statusCode,
        seed.response ?? '',
        seed.durationMs ?? 50,
        seed.error ?? null,
        seed.requestHeaders === undefined ? null : JSON.stringify(seed.requestHeaders),
        at,
      ],
    );
    if (result.rowCount !== 1) throw new Error(`no delivery of ${seed.messageId} to ${seed.endpointId}`);
    return id;
  }
}
