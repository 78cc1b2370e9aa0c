import { setTimeout as sleep } from 'node:timers/promises';
import { InboxCleanup, installInboxTable, PostgresDedupStore, PostgresInbox } from '@idem/sdk/receiver';
import { TestDatabase } from './support/test-database';

/** Polls until `condition` holds, failing after `timeoutMs`. */
async function eventually(condition: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await sleep(25);
  }
}

/** The inbox cleanup against a real Postgres: what keeps a receiver's inbox table bounded. */
describe(InboxCleanup.name, () => {
  let database: TestDatabase;
  let tableNumber = 0;
  let table: string;
  const cleanups: InboxCleanup[] = [];

  beforeAll(async () => {
    database = await TestDatabase.create();
  });

  afterAll(async () => {
    await database?.drop();
  });

  beforeEach(async () => {
    table = `inbox_${++tableNumber}`;
    await installInboxTable(database.pool, table);
  });

  afterEach(async () => {
    await Promise.all(cleanups.splice(0).map((cleanup) => cleanup.stop()));
  });

  /** Rows as the stores write them: `done` or `processing`, expiring `expiresIn` from now (negative: expired). */
  async function insertRows(prefix: string, count: number, state: 'done' | 'processing', expiresIn: string): Promise<void> {
    await database.pool.query(
      `INSERT INTO ${table} (message_id, state, token, expires_at)
       SELECT $1 || n, $2, CASE WHEN $2 = 'processing' THEN 'token' END, now() + $3::interval FROM generate_series(1, $4::int) AS n`,
      [prefix, state, expiresIn, count],
    );
  }

  async function count(where = 'true'): Promise<number> {
    return Number((await database.pool.query(`SELECT count(*) AS n FROM ${table} WHERE ${where}`)).rows[0].n);
  }

  it('deletes every expired row in bounded batches, with two cleanups at once, and keeps the live ones', async () => {
    await insertRows('old-done-', 2000, 'done', '-1 hour');
    await insertRows('old-claim-', 500, 'processing', '-1 minute');
    await insertRows('live-done-', 30, 'done', '1 hour');
    await insertRows('live-claim-', 20, 'processing', '1 minute');

    const deleted = await Promise.all([
      new InboxCleanup(database.pool, { table, batchSize: 300 }).runOnce(),
      new InboxCleanup(database.pool, { table, batchSize: 300 }).runOnce(),
    ]);

    expect(deleted[0] + deleted[1]).toBe(2500);
    expect(await count()).toBe(50);
    expect(await count(`expires_at < now()`)).toBe(0);
  });

  it("PostgresDedupStore.startCleanup runs now and on its interval until stopped, on the store's table", async () => {
    const store = new PostgresDedupStore(database.pool, { table });
    await insertRows('first-', 1500, 'done', '-1 hour');
    await insertRows('live-', 10, 'done', '1 hour');

    const cleanup = store.startCleanup({ intervalMs: 100, batchSize: 500 });
    cleanups.push(cleanup);
    await eventually(async () => (await count()) === 10, 10_000, 'the first run');

    // Records that expire while it runs are deleted by a later run.
    await insertRows('second-', 700, 'done', '-1 second');
    await eventually(async () => (await count()) === 10, 10_000, 'a later run');

    await cleanup.stop();
    await insertRows('after-stop-', 5, 'done', '-1 hour');
    await sleep(500);
    expect(await count()).toBe(15);
  });

  it("PostgresInbox.startCleanup keeps the atomic inbox's table bounded too", async () => {
    const inbox = new PostgresInbox(database.pool, { table, ttlMs: 200 });
    for (let i = 0; i < 20; i++) await inbox.runOnce(`msg_${i}`, async () => undefined);
    expect(await count()).toBe(20);

    cleanups.push(inbox.startCleanup({ intervalMs: 100 }));

    await eventually(async () => (await count()) === 0, 10_000, 'expired inbox records to go');
  });

  it('reports a failed run to onError and goes on with the next one', async () => {
    const errors: unknown[] = [];
    const cleanup = new InboxCleanup(database.pool, { table: `${table}_missing`, intervalMs: 50, onError: (error) => errors.push(error) });
    cleanups.push(cleanup);
    cleanup.start();
    await eventually(async () => errors.length >= 2, 10_000, 'two failed runs');
    expect(String(errors[0])).toContain('does not exist');
  });
});
