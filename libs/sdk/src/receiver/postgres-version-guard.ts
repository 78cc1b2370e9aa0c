import { assertTableName, inTransaction, PgPoolClientLike, PostgresDatabase, queryRows, SqlQueryable, unqualified } from '../postgres/postgres-database';
import { WebhookDelivery } from './webhook-receiver';
import { EntityVersion, VersionedApply, VersionGuard, VersionGuardCall, versionGuardCall } from './version-guard';

export interface PostgresVersionGuardOptions {
  /** Default `'idem_entity_versions'`. */
  table?: string;
}

export interface PostgresVersionGuardCallOptions<Tx> {
  /** A transaction you already hold (a `PostgresInbox` handler's): the version commits with it. */
  transaction?: Tx;
}

/**
 * A version guard on a Postgres table of `(entity_key, version)`. The version is raised and `apply` runs
 * in one transaction: if `apply` throws, the version stays where it was. Concurrent calls for one entity
 * queue on its row, and each then compares against the version the previous one committed.
 *
 * Pass `{ transaction }` to run inside a transaction you already hold, such as the one `PostgresInbox`
 * hands your handler: then the version, the side effect and the dedup record all commit together.
 *
 * @example
 * const guard = new PostgresVersionGuard(pool);
 * await guard.install();
 * await guard.applyIfNewer(`order:${id}`, version, (client) => client.query('UPDATE orders SET ...'));
 * await guard.applyIfNewer(delivery, (client) => client.query('UPDATE orders SET ...')); // the entity from its idem-entity headers
 */
export class PostgresVersionGuard<Tx = PgPoolClientLike> implements VersionGuard<Tx> {
  private readonly table: string;

  /** `database`: a `pg` Pool or a TypeORM DataSource. */
  constructor(
    private readonly database: PostgresDatabase,
    options: PostgresVersionGuardOptions = {},
  ) {
    this.table = assertTableName(options.table ?? 'idem_entity_versions');
  }

  /** The table's DDL, for a migration. */
  tableSql(): string {
    return `CREATE TABLE IF NOT EXISTS ${this.table} (
  entity_key text NOT NULL,
  version bigint NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT ${unqualified(this.table)}_entity_key_key PRIMARY KEY (entity_key)
);`;
  }

  /** Creates the table if it does not exist. */
  async install(): Promise<void> {
    await this.database.query(this.tableSql());
  }

  applyIfNewer<T>(entityKey: string, version: EntityVersion, apply: (transaction: Tx) => Promise<T>, options?: PostgresVersionGuardCallOptions<Tx>): Promise<VersionedApply<T>>;
  /** The entity key and version from the delivery's `idem-entity` headers (`delivery.entity`). */
  applyIfNewer<T>(delivery: WebhookDelivery, apply: (transaction: Tx) => Promise<T>, options?: PostgresVersionGuardCallOptions<Tx>): Promise<VersionedApply<T>>;
  applyIfNewer<T>(...call: VersionGuardCall<Tx, T, PostgresVersionGuardCallOptions<Tx>>): Promise<VersionedApply<T>> {
    const { entityKey, version: candidate, apply, options = {} } = versionGuardCall(call);
    const guarded = async (transaction: SqlQueryable): Promise<VersionedApply<T>> => {
      const raised = await queryRows(
        transaction,
        `INSERT INTO ${this.table} AS versions (entity_key, version) VALUES ($1, $2)
         ON CONFLICT (entity_key) DO UPDATE SET version = EXCLUDED.version, updated_at = now()
         WHERE versions.version < EXCLUDED.version
         RETURNING version`,
        [entityKey, candidate.toString()],
      );
      if (raised.length === 0) {
        const [current] = await queryRows<{ version: string }>(transaction, `SELECT version FROM ${this.table} WHERE entity_key = $1`, [entityKey]);
        return { applied: false, currentVersion: BigInt(current.version) };
      }
      return { applied: true, result: await apply(transaction as Tx) };
    };
    if (options.transaction !== undefined) return guarded(options.transaction as unknown as SqlQueryable);
    return inTransaction(this.database, guarded);
  }

  /** The version last applied to an entity. */
  async currentVersion(entityKey: string): Promise<bigint | undefined> {
    const [row] = await queryRows<{ version: string }>(this.database, `SELECT version FROM ${this.table} WHERE entity_key = $1`, [entityKey]);
    return row === undefined ? undefined : BigInt(row.version);
  }
}
