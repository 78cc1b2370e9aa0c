import { createHash } from 'node:crypto';
import type { PoolClient } from 'pg';
import { EntityManager, QueryRunner } from 'typeorm';

const statementNames = new Map<string, string>();

/** One name per SQL text, the same in every process: a connection prepares each text once. */
function statementNameOf(sql: string): string {
  let name = statementNames.get(sql);
  if (name === undefined) {
    name = `idem_${createHash('sha1').update(sql).digest('hex').slice(0, 20)}`;
    statementNames.set(sql, name);
  }
  return name;
}

/**
 * Runs a hot, fixed SQL text as a named prepared statement on the transaction's connection: Postgres
 * parses it once per connection and, once its plan is settled, no longer plans it per call, and the
 * rows come straight from `pg` rather than through TypeORM's query wrapper. The text must not vary
 * with the call (values go in `parameters`), or every variant would stay prepared on every connection.
 * Outside a transaction it is an ordinary query. Returns the rows, and how many rows were written.
 */
export async function queryPrepared<T>(manager: EntityManager, sql: string, parameters: readonly unknown[]): Promise<{ rows: T[]; rowCount: number }> {
  const runner: QueryRunner | undefined = manager.queryRunner;
  if (!runner || runner.isReleased || !runner.isTransactionActive) {
    const result: unknown = await manager.query(sql, parameters as unknown[]);
    // TypeORM answers an UPDATE or DELETE with [rows, count], anything else with its rows.
    if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') {
      return { rows: result[0] as T[], rowCount: result[1] };
    }
    return { rows: result as T[], rowCount: (result as T[]).length };
  }
  const client = (await runner.connect()) as PoolClient;
  const result = await client.query({ name: statementNameOf(sql), text: sql, values: parameters as unknown[] });
  return { rows: result.rows as T[], rowCount: result.rowCount ?? 0 };
}
