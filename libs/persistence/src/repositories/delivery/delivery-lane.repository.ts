import { DeliveryTransition, sqlStatusAfter, sqlStatusIn, sqlStatusMayTake, UNFINISHED_DELIVERY_STATUSES } from '@app/core';
import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Injectable } from '@nestjs/common';
import { DueDelivery } from './delivery-sweep.repository';
import { sqlBehindInLane } from './lane.sql';
import { DeliverySql } from './sendable-delivery';

const { Promote } = DeliveryTransition;

/**
 * Moves ordered lanes on (see the Hold and Promote transitions): the claim holds a delivery behind its
 * lane's head, and when a head is done its lane's next delivery is promoted, due now. Promoted
 * deliveries are returned for the caller to enqueue after its transaction commits.
 */
@Injectable()
export class DeliveryLaneRepository extends DeliverySql {
  constructor(txHost: TransactionHost<TransactionalAdapterTypeOrm>) {
    super(txHost);
  }

  /**
   * Promotes the next delivery of the lanes of these deliveries, where it waits (queued) and is now the
   * lane's first unfinished one; a lane whose head still waits for a retry, or is blocked, stays as it is.
   * One statement for a batch: call it in the transaction that recorded the heads' outcomes.
   */
  async promoteNext(deliveryIds: readonly string[]): Promise<DueDelivery[]> {
    if (deliveryIds.length === 0) return [];
    const rows = await this.query<{ id: string; scheduled_attempts: number }>(
      `WITH lane AS (
         SELECT DISTINCT d.endpoint_id, m.app_id, m.entity_name, m.entity_id
           FROM deliveries d JOIN messages m ON m.id = d.message_id
          WHERE d.id = ANY($1::varchar[]) AND d.lane IS NOT NULL AND m.entity_name IS NOT NULL
       ), head AS (
         SELECT DISTINCT ON (l.endpoint_id, l.entity_name, l.entity_id) q.id
           FROM lane l
           JOIN messages qm ON qm.app_id = l.app_id AND qm.entity_name = l.entity_name AND qm.entity_id = l.entity_id
           JOIN deliveries q ON q.message_id = qm.id AND q.endpoint_id = l.endpoint_id AND ${sqlStatusIn(UNFINISHED_DELIVERY_STATUSES, 'q.status')}
          ORDER BY l.endpoint_id, l.entity_name, l.entity_id, qm.created_at, qm.id
       )
       UPDATE deliveries d SET status = ${sqlStatusAfter(Promote)}, next_attempt_at = now(), enqueued_at = now(), updated_at = now()
         FROM head WHERE d.id = head.id AND ${sqlStatusMayTake(Promote, 'd.status')}
       RETURNING d.id, d.scheduled_attempts`,
      [deliveryIds],
    );
    return rows.map((row) => ({ deliveryId: row.id, attemptNumber: row.scheduled_attempts + 1 }));
  }

  /**
   * Promotes queued deliveries that nothing is ahead of any more: lanes whose promotion was lost (a worker
   * died after the head's outcome committed, Redis lost the job) or whose head was canceled, superseded or
   * expunged outside an attempt. The sweeper's rebuild of lanes from Postgres. Safe with many sweepers.
   */
  async promoteStranded(limit: number): Promise<DueDelivery[]> {
    const rows = await this.query<{ id: string; scheduled_attempts: number }>(
      `UPDATE deliveries d SET status = ${sqlStatusAfter(Promote)}, next_attempt_at = now(), enqueued_at = now(), updated_at = now()
        WHERE d.id IN (SELECT q.id FROM deliveries q JOIN messages m ON m.id = q.message_id
                        WHERE ${sqlStatusMayTake(Promote, 'q.status')} AND NOT ${sqlBehindInLane('q', 'm')}
                        LIMIT $1 FOR UPDATE OF q SKIP LOCKED)
          AND ${sqlStatusMayTake(Promote, 'd.status')}
        RETURNING d.id, d.scheduled_attempts`,
      [limit],
    );
    return rows.map((row) => ({ deliveryId: row.id, attemptNumber: row.scheduled_attempts + 1 }));
  }
}
