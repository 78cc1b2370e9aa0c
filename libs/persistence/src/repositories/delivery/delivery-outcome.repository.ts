import { AttemptOutcome, AttemptTrigger, DeliveryStatus, DeliveryTransition, EXPUNGED_RESPONSE, newId, nextDeliveryStatus, sqlStatusAfter, sqlStatusMayTake, sqlStatusMayTakeEach } from '@app/core';
import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Injectable } from '@nestjs/common';
import { DisabledEndpoint, disabledEndpointsOf, EndpointHealthRow, endpointHealthSql } from '../endpoint.repository';
import { sqlNewerStateFor } from './entity-supersede.sql';
import { DeliverySql, RESPONSE_BODY_SQL, RESPONSE_HEADERS_SQL } from './sendable-delivery';

export interface ScheduledAttemptRecord {
  deliveryId: string;
  attemptNumber: number;
  messageId: string;
  endpointId: string;
  appId: string;
  url: string;
  outcome: AttemptOutcome;
  /** Succeed, Retry, Exhaust, Block (an ordered lane's head) or ResolveStale: the delivery's transition this attempt causes. */
  transition: DeliveryTransition.Succeed | DeliveryTransition.Retry | DeliveryTransition.Exhaust | DeliveryTransition.Block | DeliveryTransition.ResolveStale;
  /** The delivery heads an ordered lane, whose next delivery may be promoted once this outcome is recorded. */
  headsLane?: boolean;
  /** Its message is a saga's step or compensation (see `ClaimedDelivery.inSaga`). */
  inSaga?: boolean;
  responseStatusCode: number;
  responseBody: string;
  responseDurationMs: number;
  error: string | null;
  requestHeaders: Record<string, string>;
  /** Null when no response came. */
  responseHeaders: Record<string, string> | null;
  nextAttemptAt: Date | null;
  attemptedAt: Date;
}

const { Retry, SupersedeInFlight, ExpungePending } = DeliveryTransition;

/** A scheduled attempt as recorded: its id, and the status its delivery moved to. */
export interface RecordedAttempt {
  attemptId: string;
  status: DeliveryStatus;
}

/** What recording a batch of scheduled attempts did. */
export interface RecordedAttempts {
  /** By delivery id, for the deliveries recorded. */
  attempts: Map<string, RecordedAttempt>;
  /** The endpoints their outcomes disabled. */
  disabled: DisabledEndpoint[];
}

/** The transitions a recorded scheduled attempt causes: its outcome's, or SupersedeInFlight instead of a retry. */
const RECORDED_TRANSITIONS: readonly DeliveryTransition[] = [
  DeliveryTransition.Succeed,
  DeliveryTransition.Retry,
  DeliveryTransition.Exhaust,
  DeliveryTransition.Block,
  DeliveryTransition.ResolveStale,
  SupersedeInFlight,
];

/** The statement of `recordScheduledAttempts`, built once: its text names its prepared statement, looked up per call. */
const RECORD_SCHEDULED_ATTEMPTS_SQL = `WITH outcome AS (
         SELECT * FROM unnest($1::varchar[], $2::int[], $3::varchar[], $4::timestamptz[], $5::varchar[], $6::varchar[],
                              $7::varchar[], $8::varchar[], $9::varchar[], $10::text[], $11::varchar[], $12::int[],
                              $13::text[], $14::int[], $15::text[], $16::jsonb[], $17::timestamptz[], $19::jsonb[])
           AS o(delivery_id, attempt_number, new_status, next_attempt_at, attempt_id, message_id,
                endpoint_id, app_id, outcome, url, trigger, response_status_code,
                response_body, response_duration_ms, error, request_headers, attempted_at, response_headers)
       ), retried_state AS (
         -- A state whose attempt failed while a newer state of its entity was accepted for the same endpoint: superseded, not retried (SupersedeInFlight).
         SELECT o.delivery_id, ${sqlNewerStateFor('o.message_id', 'o.endpoint_id')} AS superseded_by
           FROM outcome o WHERE o.new_status = ${sqlStatusAfter(Retry)}
       ), moved AS (
         UPDATE deliveries d
            SET status = CASE WHEN r.superseded_by IS NOT NULL THEN ${sqlStatusAfter(SupersedeInFlight)} ELSE o.new_status END,
                superseded_by = r.superseded_by,
                scheduled_attempts = o.attempt_number,
                next_attempt_at = CASE WHEN r.superseded_by IS NOT NULL THEN NULL ELSE o.next_attempt_at END,
                lease_expires_at = NULL,
                last_attempt_at = o.attempted_at,
                enqueued_at = CASE WHEN o.new_status = ${sqlStatusAfter(Retry)} THEN now() ELSE d.enqueued_at END,
                updated_at = now()
           FROM outcome o LEFT JOIN retried_state r ON r.delivery_id = o.delivery_id
          WHERE d.id = o.delivery_id AND ${sqlStatusMayTakeEach(RECORDED_TRANSITIONS, 'd.status')} AND d.scheduled_attempts = o.attempt_number - 1
         RETURNING d.id, d.status
       ), inserted AS (
       INSERT INTO attempts (id, delivery_id, message_id, endpoint_id, app_id, attempt_number, trigger, outcome, url,
                             response_status_code, response_body, response_duration_ms, error, request_headers,
                             next_attempt_at, created_at, response_headers)
       SELECT o.attempt_id, o.delivery_id, o.message_id, o.endpoint_id, o.app_id, o.attempt_number, o.trigger, o.outcome, o.url,
              o.response_status_code, ${RESPONSE_BODY_SQL('o.response_body', '$18')}, o.response_duration_ms, o.error, o.request_headers,
              o.next_attempt_at, o.attempted_at, ${RESPONSE_HEADERS_SQL('o.response_headers')}
         FROM outcome o JOIN moved ON moved.id = o.delivery_id JOIN messages m ON m.id = o.message_id
       ON CONFLICT DO NOTHING
       RETURNING delivery_id, id, endpoint_id, outcome, response_status_code, created_at
       ), ${endpointHealthSql(
         `(SELECT endpoint_id, outcome = '${AttemptOutcome.Succeeded}' AS succeeded, response_status_code = 410 AS gone, created_at AS attempted_at FROM inserted)`,
         '$20',
       )}
       SELECT inserted.delivery_id, inserted.id, moved.status, NULL::json AS disabled FROM inserted JOIN moved ON moved.id = inserted.delivery_id
       UNION ALL
       SELECT NULL, NULL, NULL, row_to_json(h) FROM endpoint_health h WHERE h.newly_disabled`;

/**
 * The end of an attempt: its outcome recorded and its delivery moved on, or a delivery canceled
 * instead of sent.
 */
@Injectable()
export class DeliveryOutcomeRepository extends DeliverySql {
  constructor(txHost: TransactionHost<TransactionalAdapterTypeOrm>) {
    super(txHost);
  }

  /**
   * Records scheduled attempts, moves their deliveries on and feeds the outcomes into their endpoints'
   * health (see `endpointHealthSql`), all in one statement: the attempt row is written only when the
   * delivery is still `sending` at the previous attempt number, so an outcome recorded twice (two
   * workers after a lease expired) is written once, and counts once toward its endpoint's health.
   * Returns, by delivery id for the deliveries recorded, the new attempt's id and the status the
   * delivery moved to (`superseded` where a retry was superseded instead), and the endpoints disabled.
   */
  async recordScheduledAttempts(records: readonly ScheduledAttemptRecord[], disableAfterMs: number): Promise<RecordedAttempts> {
    if (records.length === 0) return { attempts: new Map(), disabled: [] };
    const rows = await this.query<{ delivery_id: string | null; id: string | null; status: DeliveryStatus | null; disabled: EndpointHealthRow | null }>(
      RECORD_SCHEDULED_ATTEMPTS_SQL,
      [
        records.map((r) => r.deliveryId),
        records.map((r) => r.attemptNumber),
        // Each outcome is checked against the table here: a transition a sending delivery cannot take is a bug, not a row to skip.
        records.map((r) => nextDeliveryStatus(DeliveryStatus.Sending, r.transition)),
        records.map((r) => r.nextAttemptAt),
        records.map(() => newId('attempt')),
        records.map((r) => r.messageId),
        records.map((r) => r.endpointId),
        records.map((r) => r.appId),
        records.map((r) => r.outcome),
        records.map((r) => r.url),
        records.map(() => AttemptTrigger.Scheduled),
        records.map((r) => r.responseStatusCode),
        records.map((r) => r.responseBody),
        records.map((r) => r.responseDurationMs),
        records.map((r) => r.error),
        records.map((r) => JSON.stringify(r.requestHeaders)),
        records.map((r) => r.attemptedAt),
        EXPUNGED_RESPONSE,
        records.map((r) => (r.responseHeaders === null ? null : JSON.stringify(r.responseHeaders))),
        disableAfterMs,
      ],
    );
    const attempts = new Map<string, RecordedAttempt>();
    const health: EndpointHealthRow[] = [];
    for (const row of rows) {
      if (row.disabled) health.push({ ...row.disabled, failing_since: row.disabled.failing_since === null ? null : new Date(row.disabled.failing_since) });
      else attempts.set(row.delivery_id!, { attemptId: row.id!, status: row.status! });
    }
    return { attempts, disabled: disabledEndpointsOf(health) };
  }

  /** The uid of each application and endpoint, and the event id of each message, for reports about them. */
  async findExternalNames(appIds: readonly string[], endpointIds: readonly string[], messageIds: readonly string[]): Promise<Map<string, string | null>> {
    const rows = await this.query<{ id: string; name: string | null }>(
      `SELECT id, uid AS name FROM applications WHERE id = ANY($1::varchar[])
       UNION ALL SELECT id, uid FROM endpoints WHERE id = ANY($2::varchar[])
       UNION ALL SELECT id, event_id FROM messages WHERE id = ANY($3::varchar[])`,
      [appIds, endpointIds, messageIds],
    );
    return new Map(rows.map((row) => [row.id, row.name]));
  }


  /**
   * Cancels a claimed delivery instead of sending it: the Cancel transition when its endpoint was disabled
   * or deleted when the attempt came due, CancelExpunged when its message's payload is gone.
   */
  async cancel(deliveryId: string, attemptNumber: number, transition: DeliveryTransition.Cancel | DeliveryTransition.CancelExpunged): Promise<void> {
    await this.query(
      `UPDATE deliveries SET status = ${sqlStatusAfter(transition)}, lease_expires_at = NULL, next_attempt_at = NULL, updated_at = now()
        WHERE id = $1 AND ${sqlStatusMayTake(transition)} AND scheduled_attempts + 1 = $2`,
      [deliveryId, attemptNumber],
    );
  }

  /**
   * The ExpungePending transition for every delivery of a message that is waiting for an attempt, as its
   * payload is expunged; returns how many. One being sent finishes its attempt, and its worker cancels it
   * when it claims the next one.
   */
  async cancelPendingOfExpungedMessage(messageId: string): Promise<number> {
    const rows = await this.query<{ id: string }>(
      `UPDATE deliveries SET status = ${sqlStatusAfter(ExpungePending)}, next_attempt_at = NULL, updated_at = now()
        WHERE message_id = $1 AND ${sqlStatusMayTake(ExpungePending)}
        RETURNING id`,
      [messageId],
    );
    return rows.length;
  }
}
