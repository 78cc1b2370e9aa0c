import { newId } from '@app/core';
import { dataSourceOptions, EndpointStatsRepository, RetentionRepository } from '@app/persistence';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { countersAndRows } from '../support/endpoint-counters';

const POSTGRES = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432';
const HOUR = 60 * 60 * 1000;

/**
 * The counters the endpoint stats read: backfilled from the deliveries and attempts a database already holds, then
 * kept by statement triggers through inserts and status changes in bulk; deletes past the retention
 * horizon leave them, and the stats read the rows there; an endpoint's go with it. (The suites that run the worker end with the same check after real traffic.)
 */
describe('Endpoint counters', () => {
  const databaseName = `idem_test_counts_${randomBytes(6).toString('hex')}`;
  let db: Client;
  const appId = newId('application');
  const endpoints = [newId('endpoint'), newId('endpoint')];

  async function migrate(count?: number) {
    const options = dataSourceOptions(`${POSTGRES}/${databaseName}`);
    const dataSource = new DataSource({ ...options, migrations: (options.migrations as Function[]).slice(0, count) });
    await dataSource.initialize();
    await dataSource.runMigrations({ transaction: 'each' });
    await dataSource.destroy();
  }

  async function expectExact() {
    for (const of of ['deliveries', 'attempts'] as const) {
      const { counters, rows } = await countersAndRows(db, of);
      expect(rows.length).toBeGreaterThan(0);
      expect(counters).toEqual(rows);
    }
  }

  /** `count` messages for each endpoint, spread over the last `hours` hours, with deliveries in `status` and an attempt or a few each. */
  async function seed(count: number, hours: number, status: string, endpointIds = endpoints) {
    await db.query(
      `WITH m AS (
         INSERT INTO messages (id, app_id, event_type, payload, created_at)
         SELECT 'msg_' || md5(random()::text), $1, 'seeded', '{}', now() - random() * $3 * interval '1 hour' FROM generate_series(1, $2)
         RETURNING id, created_at)
       , d AS (
         INSERT INTO deliveries (id, message_id, endpoint_id, app_id, status, created_at)
         SELECT 'dlv_' || md5(random()::text), m.id, e.id, $1, $4, m.created_at FROM m CROSS JOIN unnest($5::varchar[]) AS e(id)
         RETURNING id, message_id, endpoint_id, created_at)
       INSERT INTO attempts (id, delivery_id, message_id, endpoint_id, app_id, attempt_number, trigger, outcome, url, response_status_code, response_duration_ms, created_at)
       SELECT 'atmpt_' || md5(random()::text), d.id, d.message_id, d.endpoint_id, $1, k, 'scheduled', CASE WHEN random() < 0.8 THEN 'succeeded' ELSE 'failed' END,
              'https://counts.example.com', 200, (random() * 3000)::int, d.created_at + k * interval '1 minute'
         FROM d CROSS JOIN generate_series(1, 1 + (random() * 2)::int) AS k`,
      [appId, count, hours, status, endpointIds],
    );
  }

  beforeAll(async () => {
    const admin = new Client({ connectionString: `${POSTGRES}/postgres` });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${databaseName}"`);
    await admin.end();
    const options = dataSourceOptions(`${POSTGRES}/${databaseName}`);
    const names = (options.migrations as Function[]).map((migration) => migration.name);
    // Every migration before the counters, so that deliveries exist when they arrive.
    await migrate(names.indexOf('EndpointDeliveryCounts1796200000000'));
    db = new Client({ connectionString: `${POSTGRES}/${databaseName}` });
    await db.connect();
    await db.query(`INSERT INTO applications (id, name, metadata) VALUES ($1, 'counts', '{}')`, [appId]);
    for (const id of endpoints) await db.query(`INSERT INTO endpoints (id, app_id, url, metadata) VALUES ($1, $2, 'https://counts.example.com', '{}')`, [id, appId]);
    await seed(300, 72, 'succeeded');
    await seed(50, 72, 'failed');
  });

  afterAll(async () => {
    await db?.end();
    const admin = new Client({ connectionString: `${POSTGRES}/postgres` });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${databaseName}" WITH (FORCE)`);
    await admin.end();
  });

  it('counts the deliveries already there when the migration runs', async () => {
    await migrate();
    expect((await countersAndRows(db)).rows.length).toBeGreaterThan(10);
    await expectExact();
  });

  it('follows inserts and status changes in bulk', async () => {
    await seed(200, 3, 'pending');
    await db.query(`UPDATE deliveries SET status = 'sending' WHERE status = 'pending' AND random() < 0.5`);
    await db.query(`UPDATE deliveries SET status = CASE WHEN random() < 0.5 THEN 'succeeded' ELSE 'failed' END WHERE status = 'sending'`);
    // A statement that touches deliveries without moving their status changes nothing.
    await db.query(`UPDATE deliveries SET enqueued_at = now() WHERE status = 'pending'`);
    await expectExact();
  });

  it('gives exact stats past the retention horizon, where deletes leave the counters behind', async () => {
    const now = Date.now();
    // As the cleanup would with a 48-hour retention: the counters of those hours keep what went.
    await db.query(`DELETE FROM messages WHERE created_at < $1`, [new Date(now - 48 * HOUR)]);
    const sut = new EndpointStatsRepository({ tx: { query: async (sql: string, parameters: unknown[]) => (await db.query(sql, parameters)).rows } } as never);
    for (const [since, until] of [
      [now - 72 * HOUR, now],
      [now - 50 * HOUR - 17 * 60_000, now - 3 * HOUR + 5_000],
      [now - 47 * HOUR, now - 46.5 * HOUR],
    ]) {
      const counted = await sut.countDeliveriesByStatus(endpoints[1], new Date(since), new Date(until), new Date(now - 48 * HOUR));
      const { rows } = await db.query<{ status: string; count: number }>(
        `SELECT status, count(*)::int AS count FROM deliveries WHERE endpoint_id = $1 AND created_at >= $2 AND created_at < $3 GROUP BY status`,
        [endpoints[1], new Date(since), new Date(until)],
      );
      expect(Object.fromEntries(counted)).toEqual(Object.fromEntries(rows.map((row) => [row.status, row.count])));
    }
  });

  it('lets the retention cleanup delete the counters of hours past its window, a batch at a time', async () => {
    const sut = new RetentionRepository({ tx: { query: async (sql: string, parameters: unknown[]) => { const result = await db.query(sql, parameters); return [result.rows, result.rowCount]; } } } as never);
    const old = `SELECT count(*)::int AS count FROM %s WHERE hour < now() - interval '49 hours'`;
    for (const [retained, table] of [['endpointDeliveryCounts', 'endpoint_delivery_counts'], ['endpointAttemptCounts', 'endpoint_attempt_counts']] as const) {
      const before = (await db.query(old.replace('%s', table))).rows[0].count;
      expect(before).toBeGreaterThan(2);
      expect(await sut.deleteOlderThan(retained, 49 * HOUR, 2)).toBe(2);
      while ((await sut.deleteOlderThan(retained, 49 * HOUR, 1000)) > 0);
      expect((await db.query(old.replace('%s', table))).rows[0].count).toBe(0);
      expect(Number((await db.query(`SELECT count(*) FROM ${table} WHERE hour > now() - interval '48 hours'`)).rows[0].count)).toBeGreaterThan(0);
    }
  });

  it('forgets an endpoint that is deleted, with its deliveries', async () => {
    await db.query(`DELETE FROM endpoints WHERE id = $1`, [endpoints[0]]);
    for (const table of ['endpoint_delivery_counts', 'endpoint_attempt_counts']) {
      expect(Number((await db.query(`SELECT count(*) FROM ${table} WHERE endpoint_id = $1`, [endpoints[0]])).rows[0].count)).toBe(0);
    }
  });

  it('keeps a counter per hour of creation, in UTC whatever the session time zone', async () => {
    await db.query(`SET TIME ZONE 'Asia/Kolkata'`);
    await seed(20, 1, 'pending', [endpoints[1]]);
    const { rows: hours } = await db.query<{ hour: Date }>(`SELECT hour FROM endpoint_delivery_counts UNION SELECT hour FROM endpoint_attempt_counts`);
    for (const { hour } of hours) expect(hour.getTime() % HOUR).toBe(0);
  });
});
