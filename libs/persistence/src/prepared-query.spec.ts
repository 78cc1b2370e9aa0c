import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { ensureDatabaseExists } from './database-setup';
import { queryPrepared } from './prepared-query';

const POSTGRES = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432';

describe(queryPrepared.name, () => {
  const databaseName = `idem_test_${randomBytes(6).toString('hex')}`;
  let dataSource: DataSource;

  beforeAll(async () => {
    await ensureDatabaseExists(`${POSTGRES}/${databaseName}`);
    dataSource = new DataSource({ type: 'postgres', url: `${POSTGRES}/${databaseName}`, poolSize: 2 });
    await dataSource.initialize();
    await dataSource.query('CREATE TABLE things (id int PRIMARY KEY, name text NOT NULL)');
  });

  afterAll(async () => {
    await dataSource.destroy();
    const admin = new Client({ connectionString: `${POSTGRES}/postgres` });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${databaseName} WITH (FORCE)`);
    await admin.end();
  });

  const insert = 'INSERT INTO things (id, name) SELECT * FROM unnest($1::int[], $2::text[]) ON CONFLICT (id) DO NOTHING RETURNING id';

  it('runs in the caller’s transaction, prepared once on its connection, and rolls back with it', async () => {
    const runner = dataSource.createQueryRunner();
    await runner.startTransaction();
    const first = await queryPrepared<{ id: number }>(runner.manager, insert, [[1, 2], ['a', 'b']]);
    const again = await queryPrepared<{ id: number }>(runner.manager, insert, [[2, 3], ['b', 'c']]);
    const prepared = await runner.query(`SELECT count(*)::int AS n FROM pg_prepared_statements WHERE statement = $1`, [insert]);
    await runner.rollbackTransaction();
    await runner.release();

    expect(first).toEqual({ rows: [{ id: 1 }, { id: 2 }], rowCount: 2 });
    expect(again).toEqual({ rows: [{ id: 3 }], rowCount: 1 });
    expect(prepared).toEqual([{ n: 1 }]);
    expect(await dataSource.query('SELECT count(*)::int AS n FROM things')).toEqual([{ n: 0 }]);
  });

  it('outside a transaction, commits on a connection of the pool and gives it back', async () => {
    const written = await queryPrepared(dataSource.manager, insert, [[7], ['g']]);
    const updated = await queryPrepared(dataSource.manager, 'UPDATE things SET name = $1 WHERE id = $2', ['h', 7]);

    expect(written.rowCount).toBe(1);
    expect(updated).toEqual({ rows: [], rowCount: 1 });
    expect(await dataSource.query('SELECT name FROM things WHERE id = 7')).toEqual([{ name: 'h' }]);
    // Both connections of the pool are free again: two transactions can hold one each.
    const runners = [dataSource.createQueryRunner(), dataSource.createQueryRunner()];
    await Promise.all(runners.map((runner) => runner.connect()));
    await Promise.all(runners.map((runner) => runner.release()));
  });

  it('stops naming texts built per call, so a connection does not keep one statement per call, and still answers them', async () => {
    const runner = dataSource.createQueryRunner();
    await runner.startTransaction();
    for (let n = 0; n < 300; n++) {
      const { rows } = await queryPrepared<{ n: number }>(runner.manager, `SELECT ${n}::int AS n`, []);
      expect(rows).toEqual([{ n }]);
    }
    const [{ kept }] = await runner.query(`SELECT count(*)::int AS kept FROM pg_prepared_statements WHERE statement LIKE 'SELECT %::int AS n'`);
    await runner.rollbackTransaction();
    await runner.release();
    expect(kept).toBeLessThanOrEqual(256);
  });
});
