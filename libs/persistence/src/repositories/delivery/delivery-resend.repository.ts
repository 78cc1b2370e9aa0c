import {
  AttemptOutcome,
  AttemptTrigger,
  DeliveryStatus,
  DeliveryTransition,
  EXPUNGED_RESPONSE,
  newId,
  RECOVERABLE_DELIVERY_STATUSES,
  sqlStatusAfter,
  sqlStatusIn,
  sqlStatusMayTake,
  UNRESENDABLE_DELIVERY_STATUSES,
} from '@app/core';
import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Injectable } from '@nestjs/common';
import { EndpointSecretCipher } from '../../endpoint-secret-cipher';
import { sqlNewerStateFor } from './entity-supersede.sql';
import { ScheduledAttemptRecord } from './delivery-outcome.repository';
import { ClaimedDelivery, DeliverySql, LIVE_SECRETS_SQL, RESPONSE_BODY_SQL, RESPONSE_HEADERS_SQL, SendableRow, THROTTLE_RATE_SQL, toSendable } from './sendable-delivery';

/** What a manual resend needs: the delivery as it is now, whatever its status. */
export interface ResendableDelivery extends Omit<ClaimedDelivery, 'attemptNumber' | 'lane' | 'inSaga'> {
  scheduledAttempts: number;
  resendRequestedAt: Date | null;
  status: DeliveryStatus;
}

export interface ManualAttemptRecord extends Omit<ScheduledAttemptRecord, 'transition' | 'nextAttemptAt'> {
  /** The resend request this attempt answers; its mark is cleared only if no newer request came meanwhile. */
  requestedAt: Date;
}

export interface ResendRequest {
  deliveryId: string;
  requestedAt: Date;
}

const { Pending, Blocked } = DeliveryStatus;
const { ResendSucceed, Supersede } = DeliveryTransition;

/**
 * Manual resends and recoveries: marking deliveries to be sent again, durably, and recording the
 * manual attempts that answer them. A resend never changes the schedule (see ResendSucceed).
 */
@Injectable()
export class DeliveryResendRepository extends DeliverySql {
  constructor(
    txHost: TransactionHost<TransactionalAdapterTypeOrm>,
    private readonly secretCipher: EndpointSecretCipher,
  ) {
    super(txHost);
  }

  /** Marks a delivery for a manual resend, durably: the sweeper re-enqueues it if the job is lost. */
  async requestResend(messageId: string, endpointId: string): Promise<{ request: ResendRequest | null; status: DeliveryStatus } | null> {
    const [row] = await this.query<{ id: string; status: DeliveryStatus; resend_requested_at: Date | null }>(
      `WITH target AS (SELECT id, status FROM deliveries WHERE message_id = $1 AND endpoint_id = $2),
            marked AS (
              -- Milliseconds only: the request's time travels through a JavaScript Date and must compare equal.
              UPDATE deliveries d SET resend_requested_at = date_trunc('milliseconds', now()), updated_at = now()
                FROM target WHERE d.id = target.id AND NOT ${sqlStatusIn(UNRESENDABLE_DELIVERY_STATUSES, 'd.status')}
              RETURNING d.id, d.resend_requested_at)
       SELECT target.id, target.status, marked.resend_requested_at FROM target LEFT JOIN marked ON marked.id = target.id`,
      [messageId, endpointId],
    );
    if (!row) return null;
    return { status: row.status, request: row.resend_requested_at === null ? null : { deliveryId: row.id, requestedAt: row.resend_requested_at } };
  }

  async findResendable(deliveryId: string): Promise<ResendableDelivery | null> {
    const [row] = await this.query<SendableRow & { status: DeliveryStatus; scheduled_attempts: number; resend_requested_at: Date | null }>(
      `SELECT d.id AS delivery_id, d.status, d.scheduled_attempts, d.resend_requested_at, d.message_id, d.endpoint_id, d.app_id,
              m.payload, m.entity_name, m.entity_id, m.entity_version, e.url, e.disabled, e.headers, ${THROTTLE_RATE_SQL}, ${LIVE_SECRETS_SQL}
         FROM deliveries d JOIN messages m ON m.id = d.message_id JOIN endpoints e ON e.id = d.endpoint_id
         JOIN applications a ON a.id = e.app_id
        WHERE d.id = $1`,
      [deliveryId],
    );
    if (!row) return null;
    return { ...toSendable(row, this.secretCipher), scheduledAttempts: row.scheduled_attempts, resendRequestedAt: row.resend_requested_at, status: row.status };
  }


  /**
   * Records a manual attempt and, in the same statement, clears the resend mark it answers and (when it
   * succeeded) applies ResendSucceed. Returns false when the mark was already cleared: another worker
   * recorded this resend.
   */
  async recordManualAttempt(record: ManualAttemptRecord): Promise<boolean> {
    const rows = await this.query<{ id: string }>(
      `WITH answered AS (
         UPDATE deliveries
            SET resend_requested_at = NULL,
                status = CASE WHEN $9 = '${AttemptOutcome.Succeeded}' AND ${sqlStatusMayTake(ResendSucceed)} THEN ${sqlStatusAfter(ResendSucceed)} ELSE status END,
                next_attempt_at = CASE WHEN $9 = '${AttemptOutcome.Succeeded}' AND ${sqlStatusMayTake(ResendSucceed)} THEN NULL ELSE next_attempt_at END,
                updated_at = now()
          WHERE id = $1 AND resend_requested_at = $15
         RETURNING id
       )
       INSERT INTO attempts (id, delivery_id, message_id, endpoint_id, app_id, attempt_number, trigger, outcome, url,
                             response_status_code, response_body, response_duration_ms, error, request_headers, created_at, response_headers)
       SELECT $2, answered.id, $3, $4, $5, $6, '${AttemptTrigger.Manual}', $9, $7, $8, ${RESPONSE_BODY_SQL('$10', '$16')}, $11, $12, $13, $14,
              ${RESPONSE_HEADERS_SQL('$17::jsonb')}
         FROM answered JOIN messages m ON m.id = $3
       RETURNING id`,
      [
        record.deliveryId, newId('attempt'), record.messageId, record.endpointId, record.appId, record.attemptNumber,
        record.url, record.responseStatusCode, record.outcome, record.responseBody, record.responseDurationMs,
        record.error, JSON.stringify(record.requestHeaders), record.attemptedAt, record.requestedAt, EXPUNGED_RESPONSE,
        record.responseHeaders === null ? null : JSON.stringify(record.responseHeaders),
      ],
    );
    return rows.length > 0;
  }

  /**
   * Marks for a resend every delivery of an endpoint, of a message accepted in [since, until), that has
   * failed to arrive: its retries ran out (`failed`), it was `canceled` while the endpoint was disabled,
   * or an attempt failed and it waits for a retry. All get one request time, returned even when nothing
   * matched, so the task can say when it was asked. Deliveries with a resend already pending are
   * skipped: asking twice never sends twice what the first request is already resending or has
   * delivered. Messages whose payload was expunged are skipped too: there is nothing left to send. So is
   * an older state of an entity whose newer state goes to the endpoint (it would take the receiver back
   * in time; one waiting for its retry is superseded instead), unless it blocks its ordered lane, where
   * the newer states wait behind it and arrive after it.
   */
  async requestRecovery(endpointId: string, since: Date, until: Date | null): Promise<{ requestedAt: Date; deliveryIds: string[]; blocked: number }> {
    const recoverable = `d.endpoint_id = $1 AND d.resend_requested_at IS NULL
                 AND ${sqlStatusIn(RECOVERABLE_DELIVERY_STATUSES, 'd.status')} AND (NOT ${sqlStatusIn([Pending], 'd.status')} OR d.scheduled_attempts > 0)
                 AND d.created_at >= $2 AND ($3::timestamptz IS NULL OR d.created_at < $3)
                 AND EXISTS (SELECT 1 FROM messages m WHERE m.id = d.message_id AND m.payload IS NOT NULL)`;
    const newer = sqlNewerStateFor('d.message_id', 'd.endpoint_id');
    const rows = await this.query<{ requested_at: Date; id: string | null; status: DeliveryStatus | null }>(
      `WITH requested AS (SELECT date_trunc('milliseconds', now()) AS at),
            superseded AS (
              UPDATE deliveries d SET status = ${sqlStatusAfter(Supersede)}, superseded_by = ${newer}, next_attempt_at = NULL, updated_at = now()
               WHERE ${recoverable} AND ${sqlStatusMayTake(Supersede, 'd.status')} AND ${newer} IS NOT NULL),
            marked AS (
              UPDATE deliveries d SET resend_requested_at = requested.at, updated_at = now()
                FROM requested
               WHERE ${recoverable} AND (${sqlStatusIn([Blocked], 'd.status')} OR ${newer} IS NULL)
              RETURNING d.id, d.status)
       SELECT requested.at AS requested_at, marked.id, marked.status FROM requested LEFT JOIN marked ON true`,
      [endpointId, since, until],
    );
    return {
      requestedAt: rows[0].requested_at,
      deliveryIds: rows.flatMap((row) => (row.id === null ? [] : [row.id])),
      blocked: rows.filter((row) => row.status === DeliveryStatus.Blocked).length,
    };
  }

  /**
   * Withdraws a resend request that can no longer be answered (its message's payload was expunged), unless
   * a newer request came meanwhile, so the sweeper stops finding it.
   */
  async withdrawResend(deliveryId: string, requestedAt: Date): Promise<void> {
    await this.query(`UPDATE deliveries SET resend_requested_at = NULL, updated_at = now() WHERE id = $1 AND resend_requested_at = $2`, [
      deliveryId,
      requestedAt,
    ]);
  }

  /** How many of an endpoint's resends asked for at `requestedAt` are still to be made. */
  async countPendingResends(endpointId: string, requestedAt: Date): Promise<number> {
    const [row] = await this.query<{ count: string }>(
      `SELECT count(*) FROM deliveries WHERE endpoint_id = $1 AND resend_requested_at = $2`,
      [endpointId, requestedAt],
    );
    return Number(row.count);
  }


  /**
   * Resend requests older than `requeueAfterMs` whose job may have been lost, oldest first; `after` (the
   * last request of the previous page) walks them in keyset pages, since a recovery marks many at once.
   */
  async findLostResends(requeueAfterMs: number, limit: number, after?: ResendRequest): Promise<ResendRequest[]> {
    const rows = await this.query<{ id: string; resend_requested_at: Date }>(
      `SELECT id, resend_requested_at FROM deliveries
        WHERE resend_requested_at IS NOT NULL AND resend_requested_at < now() - $1 * interval '1 millisecond'
          AND ($3::timestamptz IS NULL OR (resend_requested_at, id) > ($3::timestamptz, $4::varchar))
        ORDER BY resend_requested_at, id LIMIT $2`,
      [requeueAfterMs, limit, after?.requestedAt ?? null, after?.deliveryId ?? null],
    );
    return rows.map((row) => ({ deliveryId: row.id, requestedAt: row.resend_requested_at }));
  }
}
