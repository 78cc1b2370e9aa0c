import { assertTableName, inTransaction, PgPoolClientLike, PostgresDatabase, queryRows, SqlQueryable } from '../postgres/postgres-database';
import { DEFAULT_DEDUP_TTL_MS } from './dedup-store';
import { InboxCleanup, InboxCleanupOptions } from './inbox-cleanup';
import { DEFAULT_INBOX_TABLE, deleteExpiredInboxRows, installInboxTable } from './inbox-table';
import { InboxRun, TransactionalInbox } from './transactional-inbox';

export interface PostgresInboxOptions {
  /** Default `'idem_inbox'` (the table `PostgresDedupStore` uses too). */
  table?: string;
  /** How long a processed id is remembered. Default `DEFAULT_DEDUP_TTL_MS` (96 hours). */
  ttlMs?: number;
}

// The first key of Postgres's two-key advisory locks: a namespace, so the inbox's locks meet no one else's.
const ADVISORY_LOCK_NAMESPACE = 0x1de_0001;

/**
 * The atomic inbox: runs your handler inside one Postgres transaction that also inserts the message id.
 * Commit, and both the side effect and the record exist; throw, and both roll back, so the sender's next
 * attempt processes the message. That closes the window a separate dedup store leaves open, where the
 * side effect is committed but the record is not (a crash between the two means a second execution).
 *
 * A delivery of a message whose transaction is still open gets `in_flight` (a transaction-scoped advisory
 * lock, taken without waiting), one already committed gets `duplicate`.
 *
 * The transaction object handed to your handler is the driver's own: a `pg` PoolClient for a Pool, a
 * TypeORM EntityManager for a DataSource. Name its type with the type parameter.
 *
 * Records expire after `ttlMs`; `startCleanup()` deletes expired ones periodically, which keeps the
 * table bounded (without it the table grows with every message received).
 *
 * @example
 * const inbox = new PostgresInbox<EntityManager>(dataSource);
 * await inbox.install();
 * inbox.startCleanup();
 * const receiver = new WebhookReceiver({ secret, store: inbox });
 * await receiver.receive(request, async (delivery, manager) => {
 *   await manager.insert(Payment, { id: delivery.payload.paymentId }); // commits with the dedup record
 * });
 */
export class PostgresInbox<Tx = PgPoolClientLike> implements TransactionalInbox<Tx> {
  private readonly table: string;
  private readonly ttlMs: number;

  /** `database`: a `pg` Pool or a TypeORM DataSource. */
  constructor(
    private readonly database: PostgresDatabase,
    options: PostgresInboxOptions = {},
  ) {
    this.table = assertTableName(options.table ?? DEFAULT_INBOX_TABLE);
    this.ttlMs = options.ttlMs ?? DEFAULT_DEDUP_TTL_MS;
  }

  /** Creates the inbox table if it does not exist. */
  install(): Promise<void> {
    return installInboxTable(this.database, this.table);
  }

  /**
   * Runs `work` once per message id, in a transaction that records the id.
   *
   * @example
   * const run = await inbox.runOnce(delivery.id, (client) => client.query('INSERT INTO orders ...'));
   * if (run.status === 'duplicate') console.log('already processed');
   */
  runOnce<T>(messageId: string, work: (transaction: Tx) => Promise<T>, options: { observe?: boolean } = {}): Promise<InboxRun<T>> {
    return inTransaction(this.database, async (transaction): Promise<InboxRun<T>> => {
      const [lock] = await queryRows<{ locked: boolean }>(transaction, 'SELECT pg_try_advisory_xact_lock($1, hashtext($2)) AS locked', [
        ADVISORY_LOCK_NAMESPACE,
        messageId,
      ]);
      if (!lock.locked) {
        return options.observe ? { status: 'processed', result: await work(transaction as Tx), observed: 'in_flight' } : { status: 'in_flight' };
      }
      if (!(await this.record(transaction, messageId))) {
        return options.observe ? { status: 'processed', result: await work(transaction as Tx), observed: 'duplicate' } : { status: 'duplicate' };
      }
      return { status: 'processed', result: await work(transaction as Tx) };
    });
  }

  /**
   * Deletes up to `limit` records past their TTL; returns how many went. `startCleanup()` runs it on a schedule.
   *
   * @example
   * await inbox.deleteExpired();
   */
  deleteExpired(limit = 10_000): Promise<number> {
    return deleteExpiredInboxRows(this.database, this.table, limit);
  }

  /**
   * Deletes expired records now and then every `intervalMs` (default 10 minutes), in bounded batches,
   * until the returned cleanup is stopped. See `InboxCleanup`.
   *
   * @example
   * const cleanup = inbox.startCleanup({ intervalMs: 60_000 });
   * await cleanup.stop();
   */
  startCleanup(options: Omit<InboxCleanupOptions, 'table'> = {}): InboxCleanup {
    const cleanup = new InboxCleanup(this.database, { ...options, table: this.table });
    cleanup.start();
    return cleanup;
  }

  /** Inserts the id; false if it was recorded before (and has not expired). */
  private async record(transaction: SqlQueryable, messageId: string): Promise<boolean> {
    const inserted = await queryRows(
      transaction,
      `INSERT INTO ${this.table} AS inbox (message_id, state, token, expires_at)
       VALUES ($1, 'done', NULL, now() + $2 * interval '1 millisecond')
       ON CONFLICT (message_id) DO UPDATE SET state = 'done', token = NULL, expires_at = EXCLUDED.expires_at
       WHERE inbox.expires_at < now()
       RETURNING message_id`,
      [messageId, this.ttlMs],
    );
    return inserted.length > 0;
  }
}
