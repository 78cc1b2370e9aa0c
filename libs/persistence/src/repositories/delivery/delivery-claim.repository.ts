import { DELIVERY_TRANSITIONS, DeliveryStatus, DeliveryTransition, SecretDecryptionError, sqlStatusAfter, sqlStatusMayTake } from '@app/core';
import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Injectable } from '@nestjs/common';
import { EndpointSecretCipher } from '../../endpoint-secret-cipher';
import { sqlNewerStateFor } from './entity-supersede.sql';
import { ClaimedDelivery, DeliverySql, LIVE_SECRETS_SQL, SendableRow, THROTTLE_RATE_SQL, toSendable } from './sendable-delivery';

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

const { Claim, Reclaim, Throttle, Supersede } = DeliveryTransition;

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
    const rows = await this.query<SendableRow & { attempt_number: number }>(
      `WITH request AS (
         SELECT * FROM unnest($1::varchar[], $2::int[]) AS r(delivery_id, attempt_number)
       ), newer_state AS (
         -- A state due for an attempt while a newer state of its entity goes to the same endpoint (accepted
         -- after this delivery's last attempt was recorded): superseded here instead of sent.
         SELECT DISTINCT ON (r.delivery_id) r.delivery_id, ${sqlNewerStateFor('d.message_id', 'd.endpoint_id')} AS superseded_by
           FROM request r
           JOIN deliveries d ON d.id = r.delivery_id AND ${sqlStatusMayTake(Supersede, 'd.status')}
       ), claimed AS (
         UPDATE deliveries d
            SET status = CASE WHEN n.superseded_by IS NULL THEN ${sqlStatusAfter(Claim)} ELSE ${sqlStatusAfter(Supersede)} END,
                superseded_by = n.superseded_by,
                next_attempt_at = CASE WHEN n.superseded_by IS NULL THEN d.next_attempt_at END,
                lease_expires_at = CASE WHEN n.superseded_by IS NULL THEN now() + $3 * interval '1 millisecond' END,
                updated_at = now()
           FROM request r LEFT JOIN newer_state n ON n.delivery_id = r.delivery_id
          WHERE d.id = r.delivery_id
            AND d.scheduled_attempts + 1 = r.attempt_number
            AND ((${sqlStatusMayTake(Claim, 'd.status')} AND d.next_attempt_at <= now() + $4 * interval '1 millisecond')
              OR (${sqlStatusMayTake(Reclaim, 'd.status')} AND d.lease_expires_at < now()))
         RETURNING d.id, d.status, r.attempt_number, d.message_id, d.endpoint_id, d.app_id
       )
       SELECT c.id AS delivery_id, c.attempt_number, c.message_id, c.endpoint_id, c.app_id,
              m.payload, m.entity_name, m.entity_id, m.entity_version, e.url, e.disabled, e.headers, ${THROTTLE_RATE_SQL}, ${LIVE_SECRETS_SQL}
         FROM claimed c
         JOIN messages m ON m.id = c.message_id
         JOIN endpoints e ON e.id = c.endpoint_id
         JOIN applications a ON a.id = e.app_id
        WHERE c.status = ${sqlStatusAfter(Claim)}`,
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
        return { kind: 'claimed', delivery: { ...toSendable(row, this.secretCipher), attemptNumber: row.attempt_number } };
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
