import { AttemptOutcome, AttemptTrigger, DELIVERY_TRANSITIONS, DeliveryStatus, DeliveryTransition, EventSemantics, EXPUNGED_RESPONSE, newId, SecretDecryptionError } from '@app/core';
import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Injectable } from '@nestjs/common';
import { EndpointSecretCipher } from '../endpoint-secret-cipher';
import { queryPrepared } from '../prepared-query';

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
}

export interface ClaimRequest {
  deliveryId: string;
  attemptNumber: number;
}

/** A claimed delivery handed back unsent, due again in `waitMs`. */
export interface ThrottledDelivery extends ClaimRequest {
  waitMs: number;
}

/** Why a delivery could not be claimed, and when it is worth trying again (epoch ms), if ever. */
export type ClaimRefusal = { kind: 'leased'; retryAt: number } | { kind: 'early'; retryAt: number } | { kind: 'stale' };

/**
 * Claimed, but a signing secret of its endpoint cannot be decrypted (its key is not configured, or the
 * stored value was altered). The delivery keeps its lease and is tried again once the lease runs out;
 * the rest of the batch goes on.
 */
export interface UnreadableSecretClaim {
  kind: 'unreadable-secret';
  error: SecretDecryptionError;
}

export type ClaimResult = { kind: 'claimed'; delivery: ClaimedDelivery } | ClaimRefusal | UnreadableSecretClaim;

export interface ScheduledAttemptRecord {
  deliveryId: string;
  attemptNumber: number;
  messageId: string;
  endpointId: string;
  appId: string;
  url: string;
  outcome: AttemptOutcome;
  /** Succeed, Retry, Exhaust or ResolveStale: the delivery's transition this attempt causes. */
  transition: DeliveryTransition.Succeed | DeliveryTransition.Retry | DeliveryTransition.Exhaust | DeliveryTransition.ResolveStale;
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

/** What a manual resend needs: the delivery as it is now, whatever its status. */
export interface ResendableDelivery extends Omit<ClaimedDelivery, 'attemptNumber'> {
  scheduledAttempts: number;
  resendRequestedAt: Date | null;
}

export interface ManualAttemptRecord extends Omit<ScheduledAttemptRecord, 'transition' | 'nextAttemptAt'> {
  /** The resend request this attempt answers; its mark is cleared only if no newer request came meanwhile. */
  requestedAt: Date;
}

export interface ResendRequest {
  deliveryId: string;
  requestedAt: Date;
}

export interface DueDelivery {
  deliveryId: string;
  attemptNumber: number;
}

/** A pending delivery and how long until its attempt is due (0 when it is due already). */
export interface PendingDelivery extends DueDelivery {
  delayMs: number;
}

/** Where a walk over pending deliveries stands: the due time (as Postgres writes it, to the microsecond) and id of the last one seen. */
export interface PendingCursor {
  nextAttemptAt: string;
  deliveryId: string;
}

/** One page of pending deliveries; `next` is null on the last page. */
export interface PendingPage {
  deliveries: PendingDelivery[];
  next: PendingCursor | null;
}

const { Pending, Sending } = DeliveryStatus;

/** The rate limit of endpoint `e`: its own, else that of its application `a`. */
const THROTTLE_RATE_SQL = `COALESCE(e.rate_limit, a.rate_limit) AS throttle_rate`;

/** The secrets (as stored) that sign for endpoint `e` now, newest first: the current one and any still in its rotation grace period. */
const LIVE_SECRETS_SQL = `ARRAY(SELECT s.secret FROM endpoint_secrets s
                          WHERE s.endpoint_id = e.id AND (s.expires_at IS NULL OR s.expires_at > now())
                          ORDER BY s.created_at DESC) AS secrets`;

/**
 * The response body an attempt of message `m` is recorded with: none once the message's payload is
 * gone (an attempt in flight while its content was deleted), as the expunge would have left it.
 */
const RESPONSE_BODY_SQL = (body: string, expunged: string) => `CASE WHEN m.payload IS NULL AND ${body} <> '' THEN ${expunged} ELSE ${body} END`;

/** The response headers, likewise: none once the message's payload is gone, since they go with the body. */
const RESPONSE_HEADERS_SQL = (headers: string) => `CASE WHEN m.payload IS NULL THEN NULL ELSE ${headers} END`;

/** A delivery joined with its message and endpoint: everything an attempt needs to be signed and sent. */
interface SendableRow {
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

@Injectable()
export class DeliveryRepository {
  constructor(
    private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>,
    private readonly secretCipher: EndpointSecretCipher,
  ) {}

  /** Throws `SecretDecryptionError` when a secret cannot be decrypted. */
  private toSendable(row: SendableRow): Omit<ResendableDelivery, 'scheduledAttempts' | 'resendRequestedAt'> {
    return {
      deliveryId: row.delivery_id,
      messageId: row.message_id,
      endpointId: row.endpoint_id,
      appId: row.app_id,
      payload: row.payload,
      url: row.url,
      endpointDisabled: row.disabled,
      throttleRate: row.throttle_rate,
      secrets: (row.secrets ?? []).map((stored) => this.secretCipher.open(row.endpoint_id, stored)),
      headers: row.headers,
      entity: row.entity_name === null ? null : { name: row.entity_name, id: row.entity_id!, version: row.entity_version === null ? null : Number(row.entity_version) },
    };
  }

  private async query<T = Record<string, unknown>>(sql: string, parameters: unknown[]): Promise<T[]> {
    return (await queryPrepared<T>(this.txHost.tx, sql, parameters)).rows;
  }



  /**
   * Claims deliveries for their scheduled attempt (the Claim transition, or Reclaim when the previous
   * holder's lease ran out) and loads what sending needs, in one statement for the whole batch. A job
   * that arrives up to `earlyToleranceMs` before its attempt is due may claim it: BullMQ's delays and
   * Postgres' clock are not the same clock.
   */
  async claim(requests: readonly ClaimRequest[], leaseMs: number, earlyToleranceMs = 1000): Promise<ClaimResult[]> {
    const rows = await this.query<SendableRow & { attempt_number: number }>(
      `WITH request AS (
         SELECT * FROM unnest($1::varchar[], $2::int[]) AS r(delivery_id, attempt_number)
       ), newer_state AS (
         -- A state due for an attempt while a newer state of its entity goes to the same endpoint (accepted
         -- after this delivery's last attempt was recorded): superseded here instead of sent.
         SELECT DISTINCT ON (r.delivery_id) r.delivery_id, newer.id AS superseded_by
           FROM request r
           JOIN deliveries d ON d.id = r.delivery_id AND d.status = '${Pending}'
           JOIN messages older ON older.id = d.message_id AND older.entity_semantics = '${EventSemantics.State}'
           JOIN messages newer ON newer.app_id = older.app_id AND newer.entity_name = older.entity_name
                              AND newer.entity_id = older.entity_id AND newer.entity_version > older.entity_version
                              AND newer.entity_semantics = '${EventSemantics.State}'
           JOIN deliveries fresh ON fresh.message_id = newer.id AND fresh.endpoint_id = d.endpoint_id
          ORDER BY r.delivery_id, newer.entity_version DESC
       ), claimed AS (
         UPDATE deliveries d
            SET status = CASE WHEN n.superseded_by IS NULL THEN '${DELIVERY_TRANSITIONS[DeliveryTransition.Claim].to}'
                              ELSE '${DELIVERY_TRANSITIONS[DeliveryTransition.Supersede].to}' END,
                superseded_by = n.superseded_by,
                next_attempt_at = CASE WHEN n.superseded_by IS NULL THEN d.next_attempt_at END,
                lease_expires_at = CASE WHEN n.superseded_by IS NULL THEN now() + $3 * interval '1 millisecond' END,
                updated_at = now()
           FROM request r LEFT JOIN newer_state n ON n.delivery_id = r.delivery_id
          WHERE d.id = r.delivery_id
            AND d.scheduled_attempts + 1 = r.attempt_number
            AND ((d.status = '${Pending}' AND d.next_attempt_at <= now() + $4 * interval '1 millisecond')
              OR (d.status = '${Sending}' AND d.lease_expires_at < now()))
         RETURNING d.id, d.status, r.attempt_number, d.message_id, d.endpoint_id, d.app_id
       )
       SELECT c.id AS delivery_id, c.attempt_number, c.message_id, c.endpoint_id, c.app_id,
              m.payload, m.entity_name, m.entity_id, m.entity_version, e.url, e.disabled, e.headers, ${THROTTLE_RATE_SQL}, ${LIVE_SECRETS_SQL}
         FROM claimed c
         JOIN messages m ON m.id = c.message_id
         JOIN endpoints e ON e.id = c.endpoint_id
         JOIN applications a ON a.id = e.app_id
        WHERE c.status = '${Sending}'`,
      [requests.map((r) => r.deliveryId), requests.map((r) => r.attemptNumber), leaseMs, earlyToleranceMs],
    );
    const claimed = new Map(rows.map((row) => [row.delivery_id, row]));
    // A delivery asked for twice in one batch (a group job and the sweeper's job of the same attempt) is
    // claimed once: the first request holds the lease, the others are refused like any job arriving later.
    const holders = new Map<string, ClaimRequest>();
    for (const request of requests) if (claimed.has(request.deliveryId) && !holders.has(request.deliveryId)) holders.set(request.deliveryId, request);
    const refused = requests.filter((request) => holders.get(request.deliveryId) !== request);
    const refusals = await this.explainRefusals(refused);
    return requests.map((request) => {
      const row = holders.get(request.deliveryId) === request ? claimed.get(request.deliveryId) : undefined;
      if (!row) return refusals.get(request.deliveryId) ?? { kind: 'stale' };
      try {
        return { kind: 'claimed', delivery: { ...this.toSendable(row), attemptNumber: row.attempt_number } };
      } catch (error) {
        if (error instanceof SecretDecryptionError) return { kind: 'unreadable-secret', error };
        throw error;
      }
    });
  }

  /**
   * Hands claimed deliveries back unsent (the Throttle transition): pending again, due after their wait,
   * at the same attempt number and with no attempt recorded. Marked enqueued now, since their job waits
   * in the queue until then, so the sweeper leaves them alone until they are overdue like any other.
   * Waits are float8: a backlog of millions at a low rate means waits past int4's 2^31 ms (24.8 days).
   */
  async throttle(deliveries: readonly ThrottledDelivery[]): Promise<void> {
    if (deliveries.length === 0) return;
    await this.query(
      `UPDATE deliveries d
          SET status = '${DELIVERY_TRANSITIONS[DeliveryTransition.Throttle].to}',
              next_attempt_at = now() + t.wait_ms * interval '1 millisecond',
              lease_expires_at = NULL,
              enqueued_at = now(),
              updated_at = now()
         FROM unnest($1::varchar[], $2::int[], $3::float8[]) AS t(delivery_id, attempt_number, wait_ms)
        WHERE d.id = t.delivery_id AND d.status = '${Sending}' AND d.scheduled_attempts + 1 = t.attempt_number`,
      [deliveries.map((d) => d.deliveryId), deliveries.map((d) => d.attemptNumber), deliveries.map((d) => Math.ceil(d.waitMs))],
    );
  }

  private async explainRefusals(requests: readonly ClaimRequest[]): Promise<Map<string, ClaimRefusal>> {
    const refusals = new Map<string, ClaimRefusal>();
    if (requests.length === 0) return refusals;
    const rows = await this.query<{ id: string; status: DeliveryStatus; scheduled_attempts: number; next_attempt_at: Date | null; lease_expires_at: Date | null }>(
      `SELECT id, status, scheduled_attempts, next_attempt_at, lease_expires_at FROM deliveries WHERE id = ANY($1::varchar[])`,
      [requests.map((request) => request.deliveryId)],
    );
    const attemptOf = new Map(requests.map((request) => [request.deliveryId, request.attemptNumber]));
    for (const row of rows) {
      if (row.scheduled_attempts + 1 !== attemptOf.get(row.id)) continue;
      if (row.status === Sending && row.lease_expires_at) refusals.set(row.id, { kind: 'leased', retryAt: row.lease_expires_at.getTime() });
      else if (row.status === Pending && row.next_attempt_at) refusals.set(row.id, { kind: 'early', retryAt: row.next_attempt_at.getTime() });
    }
    return refusals;
  }

  /**
   * Records scheduled attempts and moves their deliveries on, all in one statement: the attempt row is
   * written only when the delivery is still `sending` at the previous attempt number, so an outcome
   * recorded twice (two workers after a lease expired) is written once. Returns the new attempts' ids
   * by delivery id, for the deliveries recorded.
   */
  async recordScheduledAttempts(records: readonly ScheduledAttemptRecord[]): Promise<Map<string, string>> {
    if (records.length === 0) return new Map();
    const rows = await this.query<{ delivery_id: string; id: string }>(
      `WITH outcome AS (
         SELECT * FROM unnest($1::varchar[], $2::int[], $3::varchar[], $4::timestamptz[], $5::varchar[], $6::varchar[],
                              $7::varchar[], $8::varchar[], $9::varchar[], $10::text[], $11::varchar[], $12::int[],
                              $13::text[], $14::int[], $15::text[], $16::jsonb[], $17::timestamptz[], $19::jsonb[])
           AS o(delivery_id, attempt_number, new_status, next_attempt_at, attempt_id, message_id,
                endpoint_id, app_id, outcome, url, trigger, response_status_code,
                response_body, response_duration_ms, error, request_headers, attempted_at, response_headers)
       ), retried_state AS (
         -- A state whose attempt failed while a newer state of its entity was accepted for the same endpoint: superseded, not retried.
         SELECT o.delivery_id, (SELECT newer.id FROM messages older
                                  JOIN messages newer ON newer.app_id = older.app_id AND newer.entity_name = older.entity_name
                                                     AND newer.entity_id = older.entity_id AND newer.entity_version > older.entity_version
                                                     AND newer.entity_semantics = '${EventSemantics.State}'
                                  JOIN deliveries fresh ON fresh.message_id = newer.id AND fresh.endpoint_id = o.endpoint_id
                                 WHERE older.id = o.message_id AND older.entity_semantics = '${EventSemantics.State}'
                                 ORDER BY newer.entity_version DESC LIMIT 1) AS superseded_by
           FROM outcome o WHERE o.new_status = '${Pending}'
       ), moved AS (
         UPDATE deliveries d
            SET status = CASE WHEN r.superseded_by IS NOT NULL THEN '${DELIVERY_TRANSITIONS[DeliveryTransition.Supersede].to}' ELSE o.new_status END,
                superseded_by = r.superseded_by,
                scheduled_attempts = o.attempt_number,
                next_attempt_at = CASE WHEN r.superseded_by IS NOT NULL THEN NULL ELSE o.next_attempt_at END,
                lease_expires_at = NULL,
                last_attempt_at = o.attempted_at,
                enqueued_at = CASE WHEN o.new_status = '${Pending}' THEN now() ELSE d.enqueued_at END,
                updated_at = now()
           FROM outcome o LEFT JOIN retried_state r ON r.delivery_id = o.delivery_id
          WHERE d.id = o.delivery_id AND d.status = '${Sending}' AND d.scheduled_attempts = o.attempt_number - 1
         RETURNING d.id
       )
       INSERT INTO attempts (id, delivery_id, message_id, endpoint_id, app_id, attempt_number, trigger, outcome, url,
                             response_status_code, response_body, response_duration_ms, error, request_headers,
                             next_attempt_at, created_at, response_headers)
       SELECT o.attempt_id, o.delivery_id, o.message_id, o.endpoint_id, o.app_id, o.attempt_number, o.trigger, o.outcome, o.url,
              o.response_status_code, ${RESPONSE_BODY_SQL('o.response_body', '$18')}, o.response_duration_ms, o.error, o.request_headers,
              o.next_attempt_at, o.attempted_at, ${RESPONSE_HEADERS_SQL('o.response_headers')}
         FROM outcome o JOIN moved ON moved.id = o.delivery_id JOIN messages m ON m.id = o.message_id
       ON CONFLICT DO NOTHING
       RETURNING delivery_id, id`,
      [
        records.map((r) => r.deliveryId),
        records.map((r) => r.attemptNumber),
        records.map((r) => DELIVERY_TRANSITIONS[r.transition].to),
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
      ],
    );
    return new Map(rows.map((row) => [row.delivery_id, row.id]));
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

  /** Marks a delivery for a manual resend, durably: the sweeper re-enqueues it if the job is lost. */
  async requestResend(messageId: string, endpointId: string): Promise<ResendRequest | null> {
    const [row] = await this.query<{ id: string; resend_requested_at: Date }>(
      // Milliseconds only: the request's time travels through a JavaScript Date and must compare equal.
      `UPDATE deliveries SET resend_requested_at = date_trunc('milliseconds', now()), updated_at = now()
        WHERE message_id = $1 AND endpoint_id = $2 RETURNING id, resend_requested_at`,
      [messageId, endpointId],
    );
    return row ? { deliveryId: row.id, requestedAt: row.resend_requested_at } : null;
  }

  async findResendable(deliveryId: string): Promise<ResendableDelivery | null> {
    const [row] = await this.query<SendableRow & { scheduled_attempts: number; resend_requested_at: Date | null }>(
      `SELECT d.id AS delivery_id, d.scheduled_attempts, d.resend_requested_at, d.message_id, d.endpoint_id, d.app_id,
              m.payload, m.entity_name, m.entity_id, m.entity_version, e.url, e.disabled, e.headers, ${THROTTLE_RATE_SQL}, ${LIVE_SECRETS_SQL}
         FROM deliveries d JOIN messages m ON m.id = d.message_id JOIN endpoints e ON e.id = d.endpoint_id
         JOIN applications a ON a.id = e.app_id
        WHERE d.id = $1`,
      [deliveryId],
    );
    if (!row) return null;
    return { ...this.toSendable(row), scheduledAttempts: row.scheduled_attempts, resendRequestedAt: row.resend_requested_at };
  }


  /**
   * Records a manual attempt and, in the same statement, clears the resend mark it answers and (when it
   * succeeded) applies ResendSucceed. Returns false when the mark was already cleared: another worker
   * recorded this resend.
   */
  async recordManualAttempt(record: ManualAttemptRecord): Promise<boolean> {
    const succeed = DELIVERY_TRANSITIONS[DeliveryTransition.ResendSucceed];
    const rows = await this.query<{ id: string }>(
      `WITH answered AS (
         UPDATE deliveries
            SET resend_requested_at = NULL,
                status = CASE WHEN $9 = '${AttemptOutcome.Succeeded}' AND status = ANY($16::varchar[]) THEN '${succeed.to}' ELSE status END,
                next_attempt_at = CASE WHEN $9 = '${AttemptOutcome.Succeeded}' AND status = ANY($16::varchar[]) THEN NULL ELSE next_attempt_at END,
                updated_at = now()
          WHERE id = $1 AND resend_requested_at = $15
         RETURNING id
       )
       INSERT INTO attempts (id, delivery_id, message_id, endpoint_id, app_id, attempt_number, trigger, outcome, url,
                             response_status_code, response_body, response_duration_ms, error, request_headers, created_at, response_headers)
       SELECT $2, answered.id, $3, $4, $5, $6, '${AttemptTrigger.Manual}', $9, $7, $8, ${RESPONSE_BODY_SQL('$10', '$17')}, $11, $12, $13, $14,
              ${RESPONSE_HEADERS_SQL('$18::jsonb')}
         FROM answered JOIN messages m ON m.id = $3
       RETURNING id`,
      [
        record.deliveryId, newId('attempt'), record.messageId, record.endpointId, record.appId, record.attemptNumber,
        record.url, record.responseStatusCode, record.outcome, record.responseBody, record.responseDurationMs,
        record.error, JSON.stringify(record.requestHeaders), record.attemptedAt, record.requestedAt, succeed.from, EXPUNGED_RESPONSE,
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
   * delivered. Messages whose payload was expunged are skipped too: there is nothing left to send.
   */
  async requestRecovery(endpointId: string, since: Date, until: Date | null): Promise<{ requestedAt: Date; deliveryIds: string[] }> {
    const rows = await this.query<{ requested_at: Date; id: string | null }>(
      `WITH requested AS (SELECT date_trunc('milliseconds', now()) AS at),
            marked AS (
              UPDATE deliveries d SET resend_requested_at = requested.at, updated_at = now()
                FROM requested
               WHERE d.endpoint_id = $1 AND d.resend_requested_at IS NULL
                 AND (d.status IN ('${DeliveryStatus.Failed}', '${DeliveryStatus.Canceled}') OR (d.status = '${Pending}' AND d.scheduled_attempts > 0))
                 AND d.created_at >= $2 AND ($3::timestamptz IS NULL OR d.created_at < $3)
                 AND EXISTS (SELECT 1 FROM messages m WHERE m.id = d.message_id AND m.payload IS NOT NULL)
              RETURNING d.id)
       SELECT requested.at AS requested_at, marked.id FROM requested LEFT JOIN marked ON true`,
      [endpointId, since, until],
    );
    return { requestedAt: rows[0].requested_at, deliveryIds: rows.flatMap((row) => (row.id === null ? [] : [row.id])) };
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
   * Pending deliveries whose attempt is due: the backlog as Postgres, the truth, sees it, whatever Redis
   * holds. Counted on the partial index of pending deliveries by due time.
   */
  async countDue(): Promise<number> {
    const [row] = await this.query<{ count: string }>(`SELECT count(*) FROM deliveries WHERE status = '${Pending}' AND next_attempt_at <= now()`, []);
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

  /**
   * Cancels a claimed delivery instead of sending it: the Cancel transition when its endpoint was disabled
   * or deleted when the attempt came due, CancelExpunged when its message's payload is gone.
   */
  async cancel(deliveryId: string, attemptNumber: number, transition: DeliveryTransition.Cancel | DeliveryTransition.CancelExpunged): Promise<void> {
    await this.query(
      `UPDATE deliveries SET status = '${DELIVERY_TRANSITIONS[transition].to}', lease_expires_at = NULL, next_attempt_at = NULL, updated_at = now()
        WHERE id = $1 AND status = '${Sending}' AND scheduled_attempts + 1 = $2`,
      [deliveryId, attemptNumber],
    );
  }

  /**
   * The CancelExpunged transition for every delivery of a message that is waiting for an attempt, as its
   * payload is expunged; returns how many. One being sent finishes its attempt, and its worker cancels it
   * when it claims the next one.
   */
  async cancelPendingOfExpungedMessage(messageId: string): Promise<number> {
    const rows = await this.query<{ id: string }>(
      `UPDATE deliveries SET status = '${DELIVERY_TRANSITIONS[DeliveryTransition.CancelExpunged].to}', next_attempt_at = NULL, updated_at = now()
        WHERE message_id = $1 AND status = '${Pending}'
        RETURNING id`,
      [messageId],
    );
    return rows.length;
  }

  /**
   * The LeaseExpire transition for deliveries whose worker died mid-attempt: they become pending and due
   * now. Safe with many sweepers: rows another sweeper holds are skipped.
   */
  async expireLeases(limit: number): Promise<DueDelivery[]> {
    const rows = await this.query<{ id: string; scheduled_attempts: number }>(
      `UPDATE deliveries
          SET status = '${DELIVERY_TRANSITIONS[DeliveryTransition.LeaseExpire].to}', lease_expires_at = NULL,
              next_attempt_at = now(), enqueued_at = now(), updated_at = now()
        WHERE id IN (SELECT id FROM deliveries
                      WHERE status = '${Sending}' AND lease_expires_at < now()
                      ORDER BY lease_expires_at LIMIT $1 FOR UPDATE SKIP LOCKED)
        RETURNING id, scheduled_attempts`,
      [limit],
    );
    return rows.map((row) => ({ deliveryId: row.id, attemptNumber: row.scheduled_attempts + 1 }));
  }

  /**
   * Due deliveries whose job was enqueued more than `requeueAfterMs` ago (or never) and may have been lost
   * with Redis; marks them enqueued now. Re-adding a job that still exists is harmless: its id is fixed.
   */
  async takeUnqueuedDue(requeueAfterMs: number, limit: number): Promise<DueDelivery[]> {
    const rows = await this.query<{ id: string; scheduled_attempts: number }>(
      `UPDATE deliveries SET enqueued_at = now()
        WHERE id IN (SELECT id FROM deliveries
                      WHERE status = '${Pending}' AND next_attempt_at <= now()
                        AND (enqueued_at IS NULL OR enqueued_at < now() - $1 * interval '1 millisecond')
                      ORDER BY next_attempt_at LIMIT $2 FOR UPDATE SKIP LOCKED)
        RETURNING id, scheduled_attempts`,
      [requeueAfterMs, limit],
    );
    return rows.map((row) => ({ deliveryId: row.id, attemptNumber: row.scheduled_attempts + 1 }));
  }

  /**
   * Every pending delivery, due or not, one keyset page after `after`, with the time left until it is due:
   * what the queue must hold once Redis has lost it. Those not locked by another statement are marked
   * enqueued now, so the ordinary sweep does not take them again. The walk ends: a delivery retried
   * meanwhile moves ahead of the cursor and may be seen again, once per attempt; new ones are enqueued by
   * their writer.
   */
  async takePending(limit: number, after?: PendingCursor): Promise<PendingPage> {
    const rows = await this.query<{ id: string; scheduled_attempts: number; next_attempt_at: string; delay_ms: number }>(
      `WITH page AS (
         SELECT id, scheduled_attempts, next_attempt_at FROM deliveries
          WHERE status = '${Pending}'
            AND ($1::timestamptz IS NULL OR (next_attempt_at >= $1::timestamptz AND (next_attempt_at, id) > ($1::timestamptz, $2::varchar)))
          ORDER BY next_attempt_at, id LIMIT $3
       ), stamped AS (
         UPDATE deliveries SET enqueued_at = now()
          WHERE id IN (SELECT d.id FROM deliveries d JOIN page ON page.id = d.id WHERE d.status = '${Pending}' FOR UPDATE OF d SKIP LOCKED)
       )
       SELECT id, scheduled_attempts, next_attempt_at::text AS next_attempt_at,
              greatest(0, ceil(extract(epoch FROM next_attempt_at - now()) * 1000))::float8 AS delay_ms
         FROM page ORDER BY page.next_attempt_at, id`,
      [after?.nextAttemptAt ?? null, after?.deliveryId ?? null, limit],
    );
    const last = rows.at(-1);
    return {
      deliveries: rows.map((row) => ({ deliveryId: row.id, attemptNumber: row.scheduled_attempts + 1, delayMs: row.delay_ms })),
      next: rows.length === limit && last ? { nextAttemptAt: last.next_attempt_at, deliveryId: last.id } : null,
    };
  }
}
