/**
 * The SDK speaks to Postgres through whatever the application already holds: a `pg` Pool or client, or
 * a TypeORM DataSource or EntityManager. These structural types let it do so without importing either
 * library, so both stay optional peer dependencies.
 */

/** Anything with a `query` method: a `pg` Pool, Client or PoolClient, or a TypeORM DataSource or EntityManager. */
export interface SqlQueryable {
  query(sql: string, parameters?: any[]): Promise<unknown>;
}

/** A `pg` client borrowed from a pool. */
export interface PgPoolClientLike extends SqlQueryable {
  release(error?: Error | boolean): void;
}

/** A `pg` Pool. */
export interface PgPoolLike extends SqlQueryable {
  connect(): Promise<PgPoolClientLike>;
}

/** A TypeORM (0.3) DataSource. */
export interface TypeOrmDataSourceLike extends SqlQueryable {
  transaction<T>(run: (manager: any) => Promise<T>): Promise<T>;
}

/** Where the SDK can open its own transactions: a `pg` Pool or a TypeORM DataSource. */
export type PostgresDatabase = PgPoolLike | TypeOrmDataSourceLike;

function isTypeOrmDataSource(database: PostgresDatabase): database is TypeOrmDataSourceLike {
  return typeof (database as TypeOrmDataSourceLike).transaction === 'function';
}

/**
 * Runs a statement and returns its rows.
 *
 * `pg` answers with a result object holding `rows`; TypeORM answers with the rows themselves for SELECT
 * and INSERT, but with `[rows, rowCount]` for UPDATE and DELETE. Every statement in the SDK whose rows
 * matter is therefore a SELECT, an INSERT, or wrapped in a CTE that ends in a SELECT.
 */
export async function queryRows<Row>(db: SqlQueryable, sql: string, parameters: unknown[] = []): Promise<Row[]> {
  const result = await db.query(sql, parameters);
  return (Array.isArray(result) ? result : (result as { rows: Row[] }).rows) as Row[];
}

/**
 * Runs `work` in a transaction on a connection of its own and hands it the driver's transaction object
 * (a `pg` PoolClient or a TypeORM EntityManager), so the caller's own statements join the transaction.
 */
export async function inTransaction<T>(database: PostgresDatabase, work: (transaction: SqlQueryable) => Promise<T>): Promise<T> {
  if (isTypeOrmDataSource(database)) {
    return database.transaction((manager: SqlQueryable) => work(manager));
  }
  const client = await database.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    client.release();
    return result;
  } catch (error) {
    try {
      await client.query('ROLLBACK');
      client.release();
    } catch {
      // A connection that cannot roll back is broken: destroy it rather than return it to the pool.
      client.release(true);
    }
    throw error;
  }
}

const sqlIdentifier = /^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$/i;

/** Table names are spliced into SQL, so only plain (optionally schema-qualified) identifiers are accepted. */
export function assertTableName(table: string): string {
  if (!sqlIdentifier.test(table)) {
    throw new Error(`Invalid table name "${table}": use letters, digits and underscores, optionally "schema.table"`);
  }
  return table;
}

/** The index and constraint names derive from the table name; a schema prefix is not part of them. */
export function unqualified(table: string): string {
  return table.includes('.') ? table.slice(table.indexOf('.') + 1) : table;
}
