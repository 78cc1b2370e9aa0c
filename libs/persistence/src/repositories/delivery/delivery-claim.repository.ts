import {
  DELIVERY_TRANSITIONS,
  DeliveryStatus,
  DeliveryTransition,
  LaneExhaustion,
  SecretDecryptionError,
  sqlStatusAfter,
  sqlStatusAfterWhichever,
  sqlStatusMayTake,
} from '@app/core';
import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Injectable } from '@nestjs/common';
import { EndpointSecretCipher } from '../../endpoint-secret-cipher';
import { sqlNewerStateFor } from './entity-supersede.sql';
import { sqlBehindInLane, sqlLaneKey, sqlOrderedEventType } from './lane.sql';
import { ClaimedDelivery, DeliverySql, LIVE_SECRETS_SQL, SendableRow, THROTTLE_RATE_SQL, toSendable } from './sendable-delivery';

export interface ClaimRequest {
  deliveryId: string;
  attemptNumber: number;
}

/** A claimed delivery handed back unsent, due again in `waitMs`. */
export interface ThrottledDelivery extends ClaimRequest {
  waitMs: number;
}

/**
 * Why a delivery could not be claimed, and when it is worth trying again (epoch ms), if ever. `queued`:
 * held behind the head of its ordered lane, to be promoted and enqueued when the head is done.
 * `coalesced`: superseded at the claim by a newer state; `lane` when it was the head of an ordered lane,
 * whose next delivery the caller promotes.
 */
export type ClaimRefusal =
  | { kind: 'leased'; retryAt: number }
  | { kind: 'early'; retryAt: number }
  | { kind: 'stale' }
  | { kind: 'queued' }
  | { kind: 'coalesced'; lane: boolean };

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

const { Claim, Reclaim, Throttle, Supersede, SupersedeInFlight, Hold } = DeliveryTransition;

/** The statement of `claim`, built once: its text names its prepared statement, looked up per call. */
const CLAIM_SQL = `WITH request AS (
         SELECT * FROM unnest($1::varchar[], $2::int[]) AS r(delivery_id, attempt_number)
       ), newer_state AS (
         -- A state due for an attempt while a newer state of its entity goes to the same endpoint (accepted
         -- after this delivery's last attempt was recorded, or while the worker whose lease ran out held it):
         -- superseded here instead of sent.
         SELECT DISTINCT ON (r.delivery_id) r.delivery_id, ${sqlNewerStateFor('d.message_id', 'd.endpoint_id')} AS superseded_by,
                ${sqlStatusAfterWhichever([Supersede, SupersedeInFlight], 'd.status')} AS superseded_status
           FROM request r
           JOIN deliveries d ON d.id = r.delivery_id
            AND (${sqlStatusMayTake(Supersede, 'd.status')} OR (${sqlStatusMayTake(SupersedeInFlight, 'd.status')} AND d.lease_expires_at < now()))
       ), lane AS (
         -- A delivery of an ordered lane, and whether it must wait behind the lane's head (the Hold transition).
         SELECT DISTINCT ON (r.delivery_id) r.delivery_id, ${sqlLaneKey('m')} AS lane,
                COALESCE(et.retry_safety->>'onExhausted', '${LaneExhaustion.Skip}') AS on_exhausted,
                ${sqlStatusMayTake(Hold, 'd.status')} AND ${sqlBehindInLane('d', 'm')} AS behind
           FROM request r
           JOIN deliveries d ON d.id = r.delivery_id
           JOIN messages m ON m.id = d.message_id
           ${sqlOrderedEventType('m')}
       ), claimed AS (
         UPDATE deliveries d
            SET status = CASE WHEN n.superseded_by IS NOT NULL THEN n.superseded_status
                              WHEN l.behind THEN ${sqlStatusAfter(Hold)}
                              ELSE ${sqlStatusAfter(Claim)} END,
                superseded_by = n.superseded_by,
                lane = COALESCE(l.lane, d.lane),
                next_attempt_at = CASE WHEN n.superseded_by IS NULL AND l.behind IS NOT TRUE THEN d.next_attempt_at END,
                lease_expires_at = CASE WHEN n.superseded_by IS NULL AND l.behind IS NOT TRUE THEN now() + $3 * interval '1 millisecond' END,
                -- A held delivery has no job: the promotion that makes it due enqueues it.
                enqueued_at = CASE WHEN l.behind THEN NULL ELSE d.enqueued_at END,
                updated_at = now()
           FROM request r LEFT JOIN newer_state n ON n.delivery_id = r.delivery_id LEFT JOIN lane l ON l.delivery_id = r.delivery_id
          WHERE d.id = r.delivery_id
            AND d.scheduled_attempts + 1 = r.attempt_number
            AND ((${sqlStatusMayTake(Claim, 'd.status')} AND d.next_attempt_at <= now() + $4 * interval '1 millisecond')
              OR (${sqlStatusMayTake(Reclaim, 'd.status')} AND d.lease_expires_at < now()))
         RETURNING d.id, d.status, r.attempt_number, d.message_id, d.endpoint_id, d.app_id, l.lane, l.on_exhausted
       )
       SELECT c.id AS delivery_id, c.status, c.attempt_number, c.message_id, c.endpoint_id, c.app_id, c.lane, c.on_exhausted,
              m.payload, m.entity_name, m.entity_id, m.entity_version, e.url, e.disabled, e.headers, ${THROTTLE_RATE_SQL}, ${LIVE_SECRETS_SQL},
              EXISTS (SELECT 1 FROM saga_messages s WHERE s.message_id = c.message_id) AS in_saga
         FROM claimed c
         JOIN messages m ON m.id = c.message_id
         JOIN endpoints e ON e.id = c.endpoint_id
         JOIN applications a ON a.id = e.app_id`;

/**
 * The start of an attempt: claiming due deliveries for a worker (with what sending them needs), and
 * handing a claimed one back unsent when its endpoint's rate limit has no room.
 */
@Injectable()
export class DeliveryClaimRepository extends DeliverySql {
  constructor(
    txHost: TransactionHost<TransactionalAdapterTypeOrm>,
    private readonly secretCipher: EndpointSecretCipher,
  ) {
    super(txHost);
  }

  /**
   * Claims deliveries for their scheduled attempt (the Claim transition, or Reclaim when the previous
   * holder's lease ran out) and loads what sending needs, in one statement for the whole batch. A job
   * that arrives up to `earlyToleranceMs` before its attempt is due may claim it: BullMQ's delays and
   * Postgres' clock are not the same clock.
   */
  async claim(requests: readonly ClaimRequest[], leaseMs: number, earlyToleranceMs: number): Promise<ClaimResult[]> {
    const all = await this.query<SendableRow & { status: DeliveryStatus; attempt_number: number; lane: string | null; on_exhausted: LaneExhaustion | null; in_saga: boolean }>(
      CLAIM_SQL,
      [requests.map((r) => r.deliveryId), requests.map((r) => r.attemptNumber), leaseMs, earlyToleranceMs],
    );
    const rows = all.filter((row) => row.status === DELIVERY_TRANSITIONS[Claim].to);
    const resolved = new Map<string, ClaimRefusal>();
    for (const row of all) {
      if (row.status === DELIVERY_TRANSITIONS[Hold].to) resolved.set(row.delivery_id, { kind: 'queued' });
      if (row.status === DELIVERY_TRANSITIONS[Supersede].to) resolved.set(row.delivery_id, { kind: 'coalesced', lane: row.lane !== null });
    }
    const claimed = new Map(rows.map((row) => [row.delivery_id, row]));
    // A delivery asked for twice in one batch (a group job and the sweeper's job of the same attempt) is
    // claimed once: the first request holds the lease, the others are refused like any job arriving later.
    const holders = new Map<string, ClaimRequest>();
    for (const request of requests) if (claimed.has(request.deliveryId) && !holders.has(request.deliveryId)) holders.set(request.deliveryId, request);
    const refused = requests.filter((request) => holders.get(request.deliveryId) !== request && !resolved.has(request.deliveryId));
    const refusals = await this.explainRefusals(refused);
    return requests.map((request) => {
      const row = holders.get(request.deliveryId) === request ? claimed.get(request.deliveryId) : undefined;
      if (!row) return resolved.get(request.deliveryId) ?? refusals.get(request.deliveryId) ?? { kind: 'stale' };
      try {
        const lane = row.lane === null ? null : { key: row.lane, onExhausted: row.on_exhausted ?? LaneExhaustion.Skip };
        return { kind: 'claimed', delivery: { ...toSendable(row, this.secretCipher), attemptNumber: row.attempt_number, lane, inSaga: row.in_saga } };
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
          SET status = ${sqlStatusAfter(Throttle)},
              next_attempt_at = now() + t.wait_ms * interval '1 millisecond',
              lease_expires_at = NULL,
              enqueued_at = now(),
              updated_at = now()
         FROM unnest($1::varchar[], $2::int[], $3::float8[]) AS t(delivery_id, attempt_number, wait_ms)
        WHERE d.id = t.delivery_id AND ${sqlStatusMayTake(Throttle, 'd.status')} AND d.scheduled_attempts + 1 = t.attempt_number`,
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
      if (DELIVERY_TRANSITIONS[Reclaim].from.includes(row.status) && row.lease_expires_at) refusals.set(row.id, { kind: 'leased', retryAt: row.lease_expires_at.getTime() });
      else if (DELIVERY_TRANSITIONS[Claim].from.includes(row.status) && row.next_attempt_at) refusals.set(row.id, { kind: 'early', retryAt: row.next_attempt_at.getTime() });
    }
    return refusals;
  }

}
