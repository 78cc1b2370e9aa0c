import { assertTableName, queryRows, SqlQueryable, unqualified } from '../postgres/postgres-database';
import type { SagaIn } from './ingest-client';

/**
 * The `event_type` of an outbox row that holds a saga (its `payload` is the saga): no event type can be
 * named so, and the table needs no column of its own for it.
 */
export const SAGA_OUTBOX_EVENT_TYPE = '@idem/saga';

/** The default outbox table. */
export const DEFAULT_OUTBOX_TABLE = 'idem_outbox';

/** An event to ship to Idem. */
export interface OutboxEvent {
  /** The Idem application id or uid the message goes to. */
  app: string;
  eventType: string;
  payload: Record<string, unknown>;
  /** Minted at the source event (`mintIdempotencyKey`); sent as both `Idempotency-Key` and `eventId`. */
  idempotencyKey: string;
  channels?: string[];
}

/** What `enqueue` did. */
export interface Enqueued {
  /** False when an event with this key for this app was enqueued before: nothing new was written. */
  enqueued: boolean;
}

/**
 * The outbox table's DDL. Rows are `pending` until shipped, then `shipped` (deleted after the relay's
 * retention window) or `failed` (Idem refused them for good; kept for a human to look at).
 */
export function outboxTableSql(table: string = DEFAULT_OUTBOX_TABLE): string {
  const name = unqualified(assertTableName(table));
  return `CREATE TABLE IF NOT EXISTS ${table} (
  id bigserial NOT NULL,
  app text NOT NULL,
  idempotency_key text NOT NULL,
  event_type text NOT NULL,
  payload json NOT NULL,
  channels text[] NULL,
  status text NOT NULL DEFAULT 'pending',
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  last_error text NULL,
  message_id text NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  shipped_at timestamptz NULL,
  CONSTRAINT ${name}_pkey PRIMARY KEY (id),
  CONSTRAINT ${name}_app_idempotency_key_key UNIQUE (app, idempotency_key),
  CONSTRAINT ${name}_status_check CHECK (status IN ('pending', 'shipped', 'failed'))
);
CREATE INDEX IF NOT EXISTS ${name}_due_idx ON ${table} (next_attempt_at, id) WHERE status = 'pending';
CREATE INDEX IF NOT EXISTS ${name}_shipped_at_idx ON ${table} (shipped_at) WHERE status = 'shipped';`;
}

/**
 * A transactional outbox in Postgres: `enqueue` writes the event in your own transaction, so it exists
 * exactly when your business change commits; `OutboxRelay` ships it to Idem afterwards.
 *
 * @example
 * const outbox = new PostgresOutbox();
 * await outbox.install(pool);
 * await dataSource.transaction(async (manager) => {
 *   await manager.save(order);
 *   await outbox.enqueue(manager, {
 *     app: 'app_shop', eventType: 'order.paid', payload: { orderId: order.id },
 *     idempotencyKey: mintIdempotencyKey({ source: 'shop', entity: `order:${order.id}`, version: order.version }),
 *   });
 * });
 */
export class PostgresOutbox {
  readonly table: string;

  constructor(options: { table?: string } = {}) {
    this.table = assertTableName(options.table ?? DEFAULT_OUTBOX_TABLE);
  }

  /** Creates the outbox table if it does not exist (or put `outboxTableSql()` in a migration). */
  async install(db: SqlQueryable): Promise<void> {
    await db.query(outboxTableSql(this.table));
  }

  /**
   * Writes the event through `transaction`: a `pg` client inside `BEGIN`, or a TypeORM EntityManager from
   * `dataSource.transaction(...)`. Enqueuing the same key for the same app again writes nothing, so a
   * retried business transaction does not double the event.
   *
   * @example
   * await client.query('BEGIN');
   * await client.query('UPDATE orders SET status = $1 WHERE id = $2', ['paid', id]);
   * await outbox.enqueue(client, { app, eventType: 'order.paid', payload: { id }, idempotencyKey });
   * await client.query('COMMIT');
   */
  async enqueue(transaction: SqlQueryable, event: OutboxEvent): Promise<Enqueued> {
    const inserted = await queryRows(
      transaction,
      `INSERT INTO ${this.table} (app, idempotency_key, event_type, payload, channels)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (app, idempotency_key) DO NOTHING
       RETURNING id`,
      [event.app, event.idempotencyKey, event.eventType, JSON.stringify(event.payload), event.channels ?? null],
    );
    return { enqueued: inserted.length > 0 };
  }

  /**
   * Writes a saga to start through `transaction`, like `enqueue`: it exists exactly when your business
   * change commits, and the relay starts it (its `sagaId` is its key here and at Idem).
   *
   * @example
   * await outbox.enqueueSaga(client, 'app_shop', { sagaId, steps });
   */
  async enqueueSaga(transaction: SqlQueryable, app: string, saga: SagaIn): Promise<Enqueued> {
    return this.enqueue(transaction, { app, eventType: SAGA_OUTBOX_EVENT_TYPE, payload: saga as unknown as Record<string, unknown>, idempotencyKey: `saga:${saga.sagaId}` });
  }
}
