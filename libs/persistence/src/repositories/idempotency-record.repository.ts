import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Injectable } from '@nestjs/common';
import { MoreThanOrEqual } from 'typeorm';
import { CONSTRAINT } from '../constraint-names';
import { IdempotencyRecordEntity } from '../entities';

export type IdempotencyRecordFields = Pick<IdempotencyRecordEntity, 'scope' | 'key' | 'requestHash' | 'responseStatus' | 'responseBody'>;

/** Stored first responses to requests that carried an `Idempotency-Key`. */
@Injectable()
export class IdempotencyRecordRepository {
  constructor(private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>) {}

  private get repository() {
    return this.txHost.tx.getRepository(IdempotencyRecordEntity);
  }

  /**
   * Takes a transaction-scoped advisory lock on (scope, key) without waiting; false when another
   * transaction holds it, that is while the first request with this key is still being processed.
   * Released by the commit or rollback of the current transaction.
   */
  async tryLock(scope: string, key: string): Promise<boolean> {
    const [row] = await this.repository.query<{ locked: boolean }[]>(`SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0)) AS locked`, [
      `idempotency:${scope}:${key}`,
    ]);
    return row.locked;
  }

  /** The record for (scope, key), unless it is older than `keptSince` and so forgotten. */
  findLive(scope: string, key: string, keptSince: Date): Promise<IdempotencyRecordEntity | null> {
    return this.repository.findOneBy({ scope, key, createdAt: MoreThanOrEqual(keptSince) });
  }

  /** Stores the record, replacing a forgotten one that the retention cleanup has not removed yet. */
  async save(record: IdempotencyRecordFields, keptSince: Date): Promise<void> {
    await this.repository.query(
      `INSERT INTO idempotency_records (scope, key, request_hash, response_status, response_body) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT ON CONSTRAINT ${CONSTRAINT.idempotencyKey} DO UPDATE
         SET request_hash = EXCLUDED.request_hash, response_status = EXCLUDED.response_status,
             response_body = EXCLUDED.response_body, created_at = now()
         WHERE idempotency_records.created_at < $6`,
      [record.scope, record.key, record.requestHash, record.responseStatus, record.responseBody === undefined ? null : JSON.stringify(record.responseBody), keptSince],
    );
  }
}
