import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Injectable } from '@nestjs/common';

/** A table that grows with traffic, and the column that says how old a row is. */
const RETAINED_TABLES = {
  idempotencyRecords: { table: 'idempotency_records', createdAt: 'created_at' },
  messageEventIds: { table: 'message_event_ids', createdAt: 'created_at' },
  // Deliveries and attempts go with their message (ON DELETE CASCADE).
  messages: { table: 'messages', createdAt: 'created_at' },
  backgroundTasks: { table: 'background_tasks', createdAt: 'created_at' },
} as const;

export type RetainedTable = keyof typeof RETAINED_TABLES;

@Injectable()
export class RetentionRepository {
  constructor(private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>) {}

  /**
   * Deletes at most `limit` rows older than `maxAgeMs` and returns how many went. Small batches keep
   * each transaction short, so cleanup never holds locks that ingest is waiting for.
   */
  async deleteOlderThan(retained: RetainedTable, maxAgeMs: number, limit: number): Promise<number> {
    const { table, createdAt } = RETAINED_TABLES[retained];
    const [, affected] = await this.txHost.tx.query(
      `DELETE FROM ${table} WHERE ctid IN (
         SELECT ctid FROM ${table} WHERE ${createdAt} < now() - $1 * interval '1 millisecond' LIMIT $2 FOR UPDATE SKIP LOCKED)`,
      [maxAgeMs, limit],
    );
    return Number(affected ?? 0);
  }
}
