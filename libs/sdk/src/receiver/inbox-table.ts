import { assertTableName, queryRows, SqlQueryable, unqualified } from '../postgres/postgres-database';

/** The default name of the table that `PostgresDedupStore` and `PostgresInbox` share. */
export const DEFAULT_INBOX_TABLE = 'idem_inbox';

/**
 * The inbox table: one row per message id, unique. A row is a claim in progress (`processing`, with the
 * claimant's token) or a processed message (`done`); either is void once `expires_at` has passed.
 * Put this SQL in a migration, or call `installInboxTable` once at deploy.
 */
export function inboxTableSql(table: string = DEFAULT_INBOX_TABLE): string {
  const name = unqualified(assertTableName(table));
  return `CREATE TABLE IF NOT EXISTS ${table} (
  message_id text NOT NULL,
  state text NOT NULL,
  token text NULL,
  expires_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT ${name}_message_id_key PRIMARY KEY (message_id),
  CONSTRAINT ${name}_state_check CHECK (state IN ('processing', 'done'))
);
CREATE INDEX IF NOT EXISTS ${name}_expires_at_idx ON ${table} (expires_at);`;
}

/**
 * Creates the inbox table if it does not exist.
 *
 * @example
 * await installInboxTable(pool);
 */
export async function installInboxTable(db: SqlQueryable, table: string = DEFAULT_INBOX_TABLE): Promise<void> {
  await db.query(inboxTableSql(table));
}

/**
 * Deletes up to `limit` expired rows and returns how many went. Rows another transaction holds (a claim
 * taking an expired row over, another cleanup) are skipped rather than waited for.
 */
export async function deleteExpiredInboxRows(db: SqlQueryable, table: string, limit: number): Promise<number> {
  const [deleted] = await queryRows<{ count: number }>(
    db,
    `WITH expired AS (SELECT message_id FROM ${table} WHERE expires_at < now() LIMIT $1 FOR UPDATE SKIP LOCKED),
          deleted AS (DELETE FROM ${table} t USING expired WHERE t.message_id = expired.message_id RETURNING 1)
     SELECT count(*)::int AS count FROM deleted`,
    [limit],
  );
  return deleted.count;
}
