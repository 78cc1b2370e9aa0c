import { createHash } from 'node:crypto';
import type { PoolClient } from 'pg';
import { EntityManager, QueryRunner } from 'typeorm';

/**
 * A text seen this often is no longer given a name of its own: a caller that builds its text per call
 * (values in the text) then costs what an ordinary query costs, instead of filling every connection.
 */
const MAX_PREPARED_TEXTS = 256;

const statementNames = new Map<string, string>();

/** One name per SQL text, the same in every process: a connection prepares each text once. */
function statementNameOf(sql: string): string | undefined {
  let name = statementNames.get(sql);
  if (name === undefined && statementNames.size < MAX_PREPARED_TEXTS) {
    name = `idem_${createHash('sha1').update(sql).digest('hex').slice(0, 20)}`;
    statementNames.set(sql, name);
  }
  return name;
}

/**
 * Runs a hot, fixed SQL text as a named prepared statement: Postgres parses it once per connection
 * and, once its plan is settled, no longer plans it per call, and the rows come straight from `pg`
 * rather than through TypeORM's query wrapper. In a transaction it runs on the transaction's
 * connection; outside one, on a connection of the pool, as `manager.query` would. The text must not
 * vary with the call (values go in `parameters`). Returns the rows, and how many rows were written.
 */
export async function queryPrepared<T>(manager: EntityManager, sql: string, parameters: readonly unknown[]): Promise<{ rows: T[]; rowCount: number }> {
  const active: QueryRunner | undefined = manager.queryRunner && !manager.queryRunner.isReleased ? manager.queryRunner : undefined;
  const runner = active ?? manager.connection.createQueryRunner();
  try {
    const client = (await runner.connect()) as PoolClient;
    const result = await client.query({ name: statementNameOf(sql), text: sql, values: parameters as unknown[] });
    return { rows: result.rows as T[], rowCount: result.rowCount ?? 0 };
  } finally {
    if (!active) await runner.release();
  }
}
