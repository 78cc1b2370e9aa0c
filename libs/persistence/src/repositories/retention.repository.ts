import { EXPIRED_PAYLOAD, EXPUNGED_RESPONSE, sqlStatusIn, UNFINISHED_DELIVERY_STATUSES } from '@app/core';
import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Injectable } from '@nestjs/common';

/** A table that grows with traffic, and the column that says how old a row is. */
const RETAINED_TABLES = {
  idempotencyRecords: { table: 'idempotency_records', createdAt: 'created_at' },
  messageEventIds: { table: 'message_event_ids', createdAt: 'created_at' },
  idempotencyFindings: { table: 'idempotency_findings', createdAt: 'created_at' },
  payloadFingerprints: { table: 'payload_fingerprints', createdAt: 'seen_at' },
  // Deliveries and attempts go with their message (ON DELETE CASCADE).
  messages: { table: 'messages', createdAt: 'created_at' },
  backgroundTasks: { table: 'background_tasks', createdAt: 'created_at' },
  // Finished sagas only (finished_at is null until then); their saga_messages go with them.
  sagas: { table: 'sagas', createdAt: 'finished_at' },
  // The endpoint stats' counters (see EndpointStatsRepository), found per endpoint through their primary
  // key (endpoint_id, hour, ...) rather than by a scan of the whole table or an index of their own.
  endpointDeliveryCounts: { table: 'endpoint_delivery_counts', createdAt: 'hour', perEndpoint: true },
  endpointAttemptCounts: { table: 'endpoint_attempt_counts', createdAt: 'hour', perEndpoint: true },
} as const;

export type RetainedTable = keyof typeof RETAINED_TABLES;

/** The table's name in Postgres. */
export function retainedTableName(retained: RetainedTable): string {
  return RETAINED_TABLES[retained].table;
}

@Injectable()
export class RetentionRepository {
  constructor(private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>) {}

  /**
   * Deletes at most `limit` rows older than `maxAgeMs` and returns how many went. Small batches keep
   * each transaction short, so cleanup never holds locks that ingest is waiting for.
   */
  async deleteOlderThan(retained: RetainedTable, maxAgeMs: number, limit: number): Promise<number> {
    const { table, createdAt } = RETAINED_TABLES[retained];
    const old = `${createdAt} < now() - $1 * interval '1 millisecond'`;
    const selection =
      'perEndpoint' in RETAINED_TABLES[retained]
        ? `SELECT o.ctid FROM endpoints e CROSS JOIN LATERAL (SELECT ctid FROM ${table} WHERE endpoint_id = e.id AND ${old} LIMIT $2 FOR UPDATE SKIP LOCKED) AS o LIMIT $2`
        : `SELECT ctid FROM ${table} WHERE ${old} LIMIT $2 FOR UPDATE SKIP LOCKED`;
    const [, affected] = await this.txHost.tx.query(`DELETE FROM ${table} WHERE ctid IN (${selection})`, [maxAgeMs, limit]);
    return Number(affected ?? 0);
  }

  /**
   * Expunges at most `limit` message payloads whose retention has run out, and returns how many went.
   * A message any of whose deliveries is still pending, being sent or asked to be resent keeps its
   * payload until none is: expunging it would lose the webhook.
   */
  async expungeExpiredPayloads(limit: number): Promise<number> {
    return this.expunge(
      `SELECT m.id FROM messages m
        WHERE m.payload IS NOT NULL AND m.payload_expires_at < now()
          AND NOT EXISTS (SELECT 1 FROM deliveries d
                           WHERE d.message_id = m.id
                             AND (${sqlStatusIn(UNFINISHED_DELIVERY_STATUSES, 'd.status')} OR d.resend_requested_at IS NOT NULL))
        ORDER BY m.payload_expires_at LIMIT $3 FOR UPDATE SKIP LOCKED`,
      [limit],
    );
  }

  /**
   * Expunges one message's payload now, whatever its deliveries are doing (the caller decides what
   * becomes of them). Expunging it again scrubs what came since: a response recorded by an attempt
   * that was in flight.
   */
  async expungePayload(messageId: string): Promise<void> {
    await this.expunge(`SELECT id FROM messages WHERE id = $3`, [messageId]);
  }

  /**
   * Expunges the payloads of the messages `selection` picks (a query of their ids, whose parameters
   * start at $3) and returns how many. With each payload go the other copies of customer data it
   * brought: its attempts' response bodies and headers, and the `Idempotency-Key` replay of the request that
   * created it (written in the same transaction, so it shares the message's `created_at`). A replay
   * of a create asked `with_content=false` holds no payload (`{}`) and is left as it was answered.
   */
  private async expunge(selection: string, selectionParameters: unknown[]): Promise<number> {
    const [row] = await this.txHost.tx.query(
      `WITH expunged AS (
         UPDATE messages SET payload = NULL WHERE id IN (${selection})
         RETURNING id, created_at
       ), response_bodies AS (
         UPDATE attempts a SET response_body = CASE WHEN a.response_body = '' THEN '' ELSE $1 END, response_headers = NULL FROM expunged e
          WHERE a.message_id = e.id AND (a.response_body NOT IN ('', $1) OR a.response_headers IS NOT NULL)
       ), replays AS (
         UPDATE idempotency_records r SET response_body = jsonb_set(r.response_body, '{payload}', $2::jsonb)
           FROM expunged e
          WHERE r.created_at = e.created_at AND r.response_body ->> 'id' = e.id AND r.response_body -> 'payload' <> '{}'::jsonb
       ), batch_replays AS (
         -- A batch create's replay holds each item's message under data[].message.
         UPDATE idempotency_records r
            SET response_body = jsonb_set(r.response_body, '{data}', (
                  SELECT jsonb_agg(CASE WHEN t.item -> 'message' ->> 'id' IN (SELECT id FROM expunged) AND t.item -> 'message' -> 'payload' <> '{}'::jsonb
                                        THEN jsonb_set(t.item, '{message,payload}', $2::jsonb) ELSE t.item END ORDER BY t.position)
                    FROM jsonb_array_elements(r.response_body -> 'data') WITH ORDINALITY AS t(item, position)))
          WHERE r.created_at IN (SELECT created_at FROM expunged) AND jsonb_typeof(r.response_body -> 'data') = 'array'
            AND EXISTS (SELECT 1 FROM jsonb_array_elements(r.response_body -> 'data') AS d(item) WHERE d.item -> 'message' ->> 'id' IN (SELECT id FROM expunged))
       )
       SELECT count(*)::int AS count FROM expunged`,
      [EXPUNGED_RESPONSE, JSON.stringify(EXPIRED_PAYLOAD), ...selectionParameters],
    );
    return row.count;
  }
}
