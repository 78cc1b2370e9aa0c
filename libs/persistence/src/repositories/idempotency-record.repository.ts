import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Injectable } from '@nestjs/common';
import { CONSTRAINT } from '../constraint-names';
import { IdempotencyRecordEntity } from '../entities';
import { queryPrepared } from '../prepared-query';

export type IdempotencyRecordFields = Pick<IdempotencyRecordEntity, 'scope' | 'key' | 'requestHash' | 'responseStatus' | 'responseBody'>;

/** An `Idempotency-Key` within its scope (credential and route). */
export interface ScopedKey {
  scope: string;
  key: string;
}

/**
 * SQL for one array of booleans: a transaction-scoped advisory lock taken, without waiting, on each key
 * whose scopes and keys are the text arrays `scopes` and `keys` (parameters), in order.
 */
export function idempotencyLocksSql(scopes: string, keys: string): string {
  return `ARRAY(SELECT pg_try_advisory_xact_lock(hashtextextended('idempotency:' || k.scope || ':' || k.key, 0))
                  FROM unnest(${scopes}::text[], ${keys}::text[]) WITH ORDINALITY AS k(scope, key, position)
                 ORDER BY k.position)`;
}

/**
 * SQL that stores records given as the six parameters from `$first` on (see `idempotencyRecordParameters`),
 * replacing forgotten ones that the retention cleanup has not removed yet.
 */
export function insertIdempotencyRecordsSql(first: number): string {
  const $ = (n: number) => `$${first + n}`;
  return `INSERT INTO idempotency_records AS kept (scope, key, request_hash, response_status, response_body)
       SELECT r.scope, r.key, r.request_hash, r.response_status, r.response_body::jsonb
         FROM unnest(${$(0)}::text[], ${$(1)}::text[], ${$(2)}::text[], ${$(3)}::int[], ${$(4)}::text[]) AS r(scope, key, request_hash, response_status, response_body)
       ON CONFLICT ON CONSTRAINT ${CONSTRAINT.idempotencyKey} DO UPDATE
         SET request_hash = EXCLUDED.request_hash, response_status = EXCLUDED.response_status,
             response_body = EXCLUDED.response_body, created_at = now()
         WHERE kept.created_at < ${$(5)}`;
}

export function idempotencyRecordParameters(records: readonly IdempotencyRecordFields[], keptSince: Date): unknown[] {
  return [
    records.map((r) => r.scope),
    records.map((r) => r.key),
    records.map((r) => r.requestHash),
    records.map((r) => r.responseStatus),
    records.map((r) => (r.responseBody === undefined || r.responseBody === null ? null : JSON.stringify(r.responseBody))),
    keptSince,
  ];
}

/** Stored first responses to requests that carried an `Idempotency-Key`. */
@Injectable()
export class IdempotencyRecordRepository {
  constructor(private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>) {}

  private get repository() {
    return this.txHost.tx.getRepository(IdempotencyRecordEntity);
  }

  /**
   * Takes a transaction-scoped advisory lock on each (scope, key) without waiting; false for those
   * another transaction holds, that is while the first request with that key is still being processed.
   * Released by the commit or rollback of the current transaction. Keys must be distinct: a
   * transaction that already holds a lock takes it again.
   */
  async tryLock(keys: readonly ScopedKey[]): Promise<boolean[]> {
    if (keys.length === 0) return [];
    const [row] = await this.repository.query<{ locked: boolean[] }[]>(`SELECT ${idempotencyLocksSql('$1', '$2')} AS locked`, [
      keys.map((k) => k.scope),
      keys.map((k) => k.key),
    ]);
    return row.locked;
  }

  /**
   * The records for these keys, unless older than `keptSince` and so forgotten. Read after `tryLock`,
   * in a statement of its own: its snapshot then includes the record of a request that held the lock.
   */
  async findLive(keys: readonly ScopedKey[], keptSince: Date): Promise<IdempotencyRecordEntity[]> {
    if (keys.length === 0) return [];
    const { rows } = await queryPrepared<{ scope: string; key: string; request_hash: string; response_status: number; response_body: unknown; created_at: Date }>(
      this.txHost.tx,
      `SELECT r.scope, r.key, r.request_hash, r.response_status, r.response_body, r.created_at
         FROM idempotency_records r
         JOIN unnest($1::text[], $2::text[]) AS k(scope, key) ON r.scope = k.scope AND r.key = k.key
        WHERE r.created_at >= $3`,
      [keys.map((k) => k.scope), keys.map((k) => k.key), keptSince],
    );
    return rows.map((row) =>
      Object.assign(new IdempotencyRecordEntity(), {
        scope: row.scope,
        key: row.key,
        requestHash: row.request_hash,
        responseStatus: row.response_status,
        responseBody: row.response_body,
        createdAt: row.created_at,
      }),
    );
  }

  /** Stores the records, replacing forgotten ones that the retention cleanup has not removed yet. */
  async save(records: readonly IdempotencyRecordFields[], keptSince: Date): Promise<void> {
    if (records.length === 0) return;
    await this.repository.query(insertIdempotencyRecordsSql(1), idempotencyRecordParameters(records, keptSince));
  }
}
