import { AttemptRepository, dataSourceOptions, MessageRepository } from '@app/persistence';
import { DataSource, Logger } from 'typeorm';
import { LogSuite, startLogSuite } from './support/log-suite';

/**
 * The list routes' filters are each served by an index that bounds the rows read by the page asked for:
 * the repositories' own statements, as they send them, planned by Postgres on a month of traffic.
 */
describe('List filters and their indexes', () => {
  let suite: LogSuite;
  let dataSource: DataSource;
  let appId: string;
  let endpointId: string;
  const statements: [string, unknown[]][] = [];

  beforeAll(async () => {
    suite = await startLogSuite();
    appId = (await suite.svix.application.create({ name: 'lists' })).id;
    endpointId = (await suite.svix.endpoint.create(appId, { url: 'https://lists.example.com/hook' })).id;
    await suite.db.query(
      `WITH m AS (
         INSERT INTO messages (id, app_id, event_type, payload, channels, created_at)
         SELECT 'msg_' || lpad(i::text, 26, '0'), $1, (ARRAY['invoice.paid', 'invoice.created', 'customer.updated'])[1 + i % 3], '{}',
                CASE WHEN i % 100 = 0 THEN ARRAY['priority'] WHEN i % 5 = 0 THEN ARRAY['billing'] END, now() - i * interval '100 seconds'
           FROM generate_series(1, 20000) AS i
         RETURNING id, created_at
       ), d AS (
         INSERT INTO deliveries (id, message_id, endpoint_id, app_id, status, created_at)
         SELECT 'dlv_' || substr(m.id, 5), m.id, $2, $1, 'succeeded', m.created_at FROM m
         RETURNING id, message_id, created_at
       )
       INSERT INTO attempts (id, delivery_id, message_id, endpoint_id, app_id, attempt_number, trigger, outcome, url, response_status_code, response_duration_ms, created_at)
       SELECT 'atmpt_' || substr(d.id, 5), d.id, d.message_id, $2, $1, 1, 'scheduled', 'succeeded', 'https://lists.example.com/hook', 200, 20, d.created_at FROM d`,
      [appId, endpointId],
    );
    await suite.db.query('VACUUM ANALYZE messages');
    await suite.db.query('VACUUM ANALYZE attempts');
    const logger: Logger = {
      logQuery: (query, parameters) => void statements.push([query, parameters ?? []]),
      logQueryError: () => undefined,
      logQuerySlow: () => undefined,
      logSchemaBuild: () => undefined,
      logMigration: () => undefined,
      log: () => undefined,
    };
    dataSource = new DataSource({ ...dataSourceOptions(suite.environment.databaseUrl), logging: ['query'], logger });
    await dataSource.initialize();
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await suite?.close();
  });

  /** Runs `list` through a repository on `dataSource`, then EXPLAINs (ANALYZE) the statement it sent. */
  async function planOf(list: (host: never) => Promise<unknown>): Promise<string> {
    statements.length = 0;
    await list({ tx: dataSource.manager } as never);
    const [sql, parameters] = statements[statements.length - 1];
    const { rows } = await suite.db.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) ${sql}`, parameters);
    return rows.map((row) => row['QUERY PLAN']).join('\n');
  }

  const page = { limit: 50, order: 'descending' as const };
  /** The rows a plan's nodes returned or threw away, summed: what the page cost to find. */
  const rowsRead = (plan: string) => [...plan.matchAll(/(?:actual rows=|Rows Removed by (?:Filter|Index Recheck): )(\d+)/g)].reduce((sum, [, rows]) => sum + Number(rows), 0);

  it('finds no message of a type never sent without reading the application’s messages', async () => {
    const plan = await planOf((host) => new MessageRepository(host).list(appId, { eventTypes: ['never.sent'] }, page));
    expect(plan).toMatch(/ix_messages_event_type/);
    expect(rowsRead(plan)).toBe(0);
  });

  it('reads about a page of messages of a common type', async () => {
    const plan = await planOf((host) => new MessageRepository(host).list(appId, { eventTypes: ['invoice.paid'] }, page));
    expect(rowsRead(plan)).toBeLessThan(400);
  });

  it('reads for a page of a channel at most what the channel’s share of messages asks, whatever the history', async () => {
    // `priority` is on 1 % of messages: either a walk of the id index that stops after the page (about
    // 51 / 1 % rows) or the channels index (every message of the channel, then the newest 51).
    const plan = await planOf((host) => new MessageRepository(host).list(appId, { channel: 'priority' }, page));
    expect(plan).not.toMatch(/Seq Scan/);
    expect(rowsRead(plan)).toBeLessThan(6000);
    const never = await planOf((host) => new MessageRepository(host).list(appId, { channel: 'never-used' }, page));
    expect(never).toMatch(/ix_messages_channels/);
    expect(rowsRead(never)).toBe(0);
  });

  it("finds no attempt of a type never sent without walking the endpoint's attempts", async () => {
    const plan = await planOf((host) => new AttemptRepository(host).listByEndpoint(appId, endpointId, { eventTypes: ['never.sent'] }, page));
    expect(plan).not.toMatch(/Seq Scan/);
    expect(rowsRead(plan)).toBeLessThan(100);
  });

  it('reads about a page of attempts by endpoint', async () => {
    const plan = await planOf((host) => new AttemptRepository(host).listByEndpoint(appId, endpointId, {}, page));
    expect(rowsRead(plan)).toBeLessThan(400);
  });
});
