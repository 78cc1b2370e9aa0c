import { DeliveryTransition, sqlStatusAfter, sqlStatusMayTake } from '@app/core';
import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Injectable } from '@nestjs/common';
import { DeliverySql } from './sendable-delivery';

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

const { Claim, LeaseExpire } = DeliveryTransition;

/**
 * What the sweeper reads and stamps to rebuild the queue from Postgres: expired leases, due deliveries
 * whose job may be lost, and, after Redis lost everything, every pending delivery.
 */
@Injectable()
export class DeliverySweepRepository extends DeliverySql {
  constructor(txHost: TransactionHost<TransactionalAdapterTypeOrm>) {
    super(txHost);
  }

  /**
   * Pending deliveries whose attempt is due: the backlog as Postgres, the truth, sees it, whatever Redis
   * holds. Counted on the partial index of pending deliveries by due time.
   */
  async countDue(): Promise<number> {
    const [row] = await this.query<{ count: string }>(`SELECT count(*) FROM deliveries WHERE ${sqlStatusMayTake(Claim)} AND next_attempt_at <= now()`, []);
    return Number(row.count);
  }


  /**
   * The LeaseExpire transition for deliveries whose worker died mid-attempt: they become pending and due
   * now. Safe with many sweepers: rows another sweeper holds are skipped.
   */
  async expireLeases(limit: number): Promise<DueDelivery[]> {
    const rows = await this.query<{ id: string; scheduled_attempts: number }>(
      `UPDATE deliveries
          SET status = ${sqlStatusAfter(LeaseExpire)}, lease_expires_at = NULL,
              next_attempt_at = now(), enqueued_at = now(), updated_at = now()
        WHERE id IN (SELECT id FROM deliveries
                      WHERE ${sqlStatusMayTake(LeaseExpire)} AND lease_expires_at < now()
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
                      WHERE ${sqlStatusMayTake(Claim)} AND next_attempt_at <= now()
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
          WHERE ${sqlStatusMayTake(Claim)}
            AND ($1::timestamptz IS NULL OR (next_attempt_at >= $1::timestamptz AND (next_attempt_at, id) > ($1::timestamptz, $2::varchar)))
          ORDER BY next_attempt_at, id LIMIT $3
       ), stamped AS (
         UPDATE deliveries SET enqueued_at = now()
          WHERE id IN (SELECT d.id FROM deliveries d JOIN page ON page.id = d.id WHERE ${sqlStatusMayTake(Claim, 'd.status')} FOR UPDATE OF d SKIP LOCKED)
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