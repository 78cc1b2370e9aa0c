import { randomUUID } from 'node:crypto';
import { assertTableName, queryRows, SqlQueryable } from '../postgres/postgres-database';
import { DEFAULT_DEDUP_TTL_MS, DEFAULT_LEASE_MS, DedupClaim, DedupStore, DedupStoreOptions } from './dedup-store';
import { InboxCleanup, InboxCleanupOptions } from './inbox-cleanup';
import { DEFAULT_INBOX_TABLE, deleteExpiredInboxRows, installInboxTable } from './inbox-table';

export interface PostgresDedupStoreOptions extends DedupStoreOptions {
  /** Default `'idem_inbox'`. */
  table?: string;
}

/**
 * A dedup store in a Postgres inbox table (unique on the message id), for receivers that have Postgres
 * but no Redis. The record is written outside your handler's transaction; for the dedup record and the
 * side effect to commit together use `PostgresInbox` instead.
 *
 * Records expire after `ttlMs`; `startCleanup()` deletes expired ones periodically, which keeps the
 * table bounded (without it the table grows with every message received).
 *
 * @example
 * const store = new PostgresDedupStore(pool);
 * await store.install();
 * const cleanup = store.startCleanup();
 * process.on('SIGTERM', () => cleanup.stop());
 */
export class PostgresDedupStore implements DedupStore {
  private readonly table: string;
  private readonly ttlMs: number;
  private readonly leaseMs: number;

  /** `db`: a `pg` Pool or a TypeORM DataSource. */
  constructor(
    private readonly db: SqlQueryable,
    options: PostgresDedupStoreOptions = {},
  ) {
    this.table = assertTableName(options.table ?? DEFAULT_INBOX_TABLE);
    this.ttlMs = options.ttlMs ?? DEFAULT_DEDUP_TTL_MS;
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  }

  /** Creates the inbox table if it does not exist. */
  install(): Promise<void> {
    return installInboxTable(this.db, this.table);
  }

  async claim(messageId: string): Promise<DedupClaim> {
    const token = randomUUID();
    // An expired row (a crashed claim, or a record past its TTL) is taken over in the same statement.
    const claimed = await queryRows(
      this.db,
      `INSERT INTO ${this.table} AS inbox (message_id, state, token, expires_at)
       VALUES ($1, 'processing', $2, now() + $3 * interval '1 millisecond')
       ON CONFLICT (message_id) DO UPDATE SET state = 'processing', token = EXCLUDED.token, expires_at = EXCLUDED.expires_at
       WHERE inbox.expires_at < now()
       RETURNING message_id`,
      [messageId, token, this.leaseMs],
    );
    if (claimed.length > 0) return { status: 'claimed', token };
    const [current] = await queryRows<{ state: string }>(this.db, `SELECT state FROM ${this.table} WHERE message_id = $1`, [messageId]);
    return current?.state === 'done' ? { status: 'duplicate' } : { status: 'in_flight' };
  }

  async complete(messageId: string, _token?: string): Promise<void> {
    // An upsert regardless of the token: the message was processed even if the claim expired (and was
    // cleaned up, or taken over) while the handler ran.
    await this.db.query(
      `INSERT INTO ${this.table} AS inbox (message_id, state, token, expires_at)
       VALUES ($1, 'done', NULL, now() + $2 * interval '1 millisecond')
       ON CONFLICT (message_id) DO UPDATE SET state = 'done', token = NULL, expires_at = EXCLUDED.expires_at`,
      [messageId, this.ttlMs],
    );
  }

  async release(messageId: string, token: string): Promise<void> {
    await this.db.query(`DELETE FROM ${this.table} WHERE message_id = $1 AND token = $2`, [messageId, token]);
  }

  /**
   * Deletes up to `limit` expired rows; returns how many went. `startCleanup()` runs it on a schedule.
   *
   * @example
   * await store.deleteExpired();
   */
  deleteExpired(limit = 10_000): Promise<number> {
    return deleteExpiredInboxRows(this.db, this.table, limit);
  }

  /**
   * Deletes expired rows now and then every `intervalMs` (default 10 minutes), in bounded batches, until
   * the returned cleanup is stopped. See `InboxCleanup`.
   *
   * @example
   * const cleanup = store.startCleanup({ intervalMs: 60_000 });
   * await cleanup.stop();
   */
  startCleanup(options: Omit<InboxCleanupOptions, 'table'> = {}): InboxCleanup {
    const cleanup = new InboxCleanup(this.db, { ...options, table: this.table });
    cleanup.start();
    return cleanup;
  }
}
