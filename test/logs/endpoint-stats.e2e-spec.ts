import { DeliveryStatus, newId } from '@app/core';
import { EndpointStatsRepository } from '@app/persistence';
import { LogSuite, startLogSuite, svixError } from './support/log-suite';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Postgres' percentile_cont: linear interpolation between the closest ranks. */
function percentile(values: number[], fraction: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * fraction;
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  return sorted[lower] + (sorted[upper] - sorted[lower]) * (position - lower);
}

/** A response time percentile as the stats give it: read from buckets four a doubling wide, so within 19 % of `exact`. */
function near(exact: number) {
  return {
    asymmetricMatch: (actual: unknown) => typeof actual === 'number' && Math.abs(actual - exact) <= 0.19 * exact,
    toAsymmetricMatcher: () => `within 19 % of ${exact}`,
  };
}

/** An endpoint's stats: Svix's delivery counts through the svix client, and Idem's windows and hourly series. */
describe('Endpoint stats', () => {
  let suite: LogSuite;
  let appId: string;
  let endpointId: string;
  let otherEndpointId: string;
  const now = Date.now();
  /** Every attempt seeded for the endpoint: when, how long, and whether it succeeded. */
  const attempts: { at: number; durationMs: number; success: boolean }[] = [];

  beforeAll(async () => {
    suite = await startLogSuite();
    appId = (await suite.svix.application.create({ name: 'stats' })).id;
    endpointId = (await suite.svix.endpoint.create(appId, { url: 'https://stats.example.com/hook', uid: 'stats' })).id;
    otherEndpointId = (await suite.svix.endpoint.create(appId, { url: 'https://other.example.com/hook' })).id;

    const recent = new Date(now - 5 * MINUTE);
    const deliveries: [DeliveryStatus, number][] = [
      [DeliveryStatus.Succeeded, 3],
      [DeliveryStatus.Pending, 2],
      [DeliveryStatus.Sending, 1],
      [DeliveryStatus.Failed, 4],
      [DeliveryStatus.Canceled, 1],
    ];
    const failed: string[] = [];
    for (const [status, count] of deliveries) {
      for (let i = 0; i < count; i++) {
        const messageId = await suite.log.createMessage({ appId, endpointIds: [endpointId], status, at: recent });
        if (status === DeliveryStatus.Failed) failed.push(messageId);
      }
    }
    for (let i = 0; i < 2; i++) await suite.log.createMessage({ appId, endpointIds: [endpointId], status: DeliveryStatus.Succeeded, at: new Date(now - 40 * DAY) });
    // Another endpoint's deliveries and attempts count for it alone.
    const noise = await suite.log.createMessage({ appId, endpointIds: [otherEndpointId], status: DeliveryStatus.Failed, at: recent });
    for (let i = 0; i < 3; i++) await suite.log.createAttempt({ messageId: noise, endpointId: otherEndpointId, statusCode: 500, durationMs: 9_999, at: recent });

    const seed = async (at: number, durationMs: number, success: boolean) => {
      attempts.push({ at, durationMs, success });
      await suite.log.createAttempt({ messageId: failed[attempts.length % failed.length], endpointId, statusCode: success ? 200 : 500, durationMs, at: new Date(at) });
    };
    // The last hour: 10, 20, ... 100 ms, the 3rd and 7th failed.
    for (let i = 0; i < 10; i++) await seed(now - (i + 1) * 4 * MINUTE, (i + 1) * 10, i !== 2 && i !== 6);
    // Earlier today: five slow failures, hours apart.
    for (let i = 0; i < 5; i++) await seed(now - (2 + i) * HOUR, 1_000, false);
    // Yesterday: outside every window.
    for (let i = 0; i < 2; i++) await seed(now - 30 * HOUR, 5, true);
  });

  afterAll(async () => {
    await suite?.close();
  });

  it("counts the endpoint's deliveries of the last 28 days by status, as Svix's EndpointStats", async () => {
    expect(await suite.svix.endpoint.getStats(appId, endpointId)).toEqual({ success: 3, pending: 2, sending: 1, fail: 4, canceled: 1 });
    expect(await suite.svix.endpoint.getStats(appId, 'stats')).toEqual({ success: 3, pending: 2, sending: 1, fail: 4, canceled: 1 });
    expect(await suite.svix.endpoint.getStats(appId, otherEndpointId)).toEqual({ success: 0, pending: 0, sending: 0, fail: 1, canceled: 0 });
  });

  it('counts the deliveries of the messages accepted between since and until', async () => {
    const longer = await suite.svix.endpoint.getStats(appId, endpointId, { since: new Date(now - 41 * DAY) });
    expect(longer.success).toBe(5);
    const older = await suite.svix.endpoint.getStats(appId, endpointId, { until: new Date(now - 30 * DAY) });
    expect(older).toEqual({ success: 2, pending: 0, sending: 0, fail: 0, canceled: 0 });
    const between = await suite.svix.endpoint.getStats(appId, endpointId, { since: new Date(now - 41 * DAY), until: new Date(now - 39 * DAY) });
    expect(between.success).toBe(2);
  });

  it("counts each Idem status apart in idemStatuses, while Svix's figures fold them into the Svix status they show as", async () => {
    const entities = (await suite.svix.endpoint.create(appId, { url: 'https://entities.example.com/hook' })).id;
    const seeded: [DeliveryStatus, number][] = [
      [DeliveryStatus.Succeeded, 1],
      [DeliveryStatus.Stale, 2],
      [DeliveryStatus.Pending, 1],
      [DeliveryStatus.Queued, 3],
      [DeliveryStatus.Failed, 1],
      [DeliveryStatus.Blocked, 2],
      [DeliveryStatus.Canceled, 1],
      [DeliveryStatus.Superseded, 4],
    ];
    // Hours ago (read from the counters) and minutes ago (read from the rows).
    for (const [status, count] of seeded) {
      for (let i = 0; i < count; i++) await suite.log.createMessage({ appId, endpointIds: [entities], status, at: new Date(now - (i % 2 === 0 ? 3 * HOUR : 5 * MINUTE)) });
    }
    // A status change after the hour was counted moves the count, as the worker's would.
    const movedLater = await suite.log.createMessage({ appId, endpointIds: [entities], status: DeliveryStatus.Sending, at: new Date(now - 3 * HOUR) });
    await suite.log.setDeliveryStatus(movedLater, entities, DeliveryStatus.Stale);

    const { status, body } = await suite.get(`/api/v1/app/${appId}/endpoint/${entities}/stats`);

    expect(status).toBe(200);
    expect(body.idemStatuses).toEqual({ pending: 1, queued: 3, sending: 0, succeeded: 1, stale: 3, failed: 1, blocked: 2, canceled: 1, superseded: 4 });
    expect(await suite.svix.endpoint.getStats(appId, entities)).toEqual({ success: 4, pending: 4, sending: 0, fail: 3, canceled: 5 });
    // The hourly counters keep Idem's statuses apart (the sending one moved on to stale).
    const counted = await suite.db.query(`SELECT status FROM endpoint_delivery_counts WHERE endpoint_id = $1 GROUP BY status HAVING sum(count) <> 0`, [entities]);
    expect(counted.rows.map((row) => row.status).sort()).toEqual(['blocked', 'canceled', 'failed', 'pending', 'queued', 'stale', 'succeeded', 'superseded']);
  });

  it('documents idemStatuses in the OpenAPI document, a count for every Idem status', async () => {
    const document = (await suite.get('/docs-json')).body;
    const schema = document.components.schemas.EndpointStatsOut.properties.idemStatuses;
    expect(Object.keys(schema.properties).sort()).toEqual(Object.values(DeliveryStatus).sort());
    expect(schema.description).toMatch(/Idem extension/);
  });

  it('gives the success rate and response time percentiles of the last hour and the last day', async () => {
    const { status, body } = await suite.get(`/api/v1/app/${appId}/endpoint/${endpointId}/stats`);
    expect(status).toBe(200);

    const lastHour = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100];
    expect(body.windows.hour).toEqual({ success: 8, fail: 2, successRate: 0.8, p50Ms: near(55), p99Ms: near(percentile(lastHour, 0.99)!) });
    const lastDay = [...lastHour, 1_000, 1_000, 1_000, 1_000, 1_000];
    expect(body.windows.day).toEqual({ success: 8, fail: 7, successRate: 8 / 15, p50Ms: near(80), p99Ms: near(percentile(lastDay, 0.99)!) });
  });

  it('gives 24 hourly points for the chart, the current hour last, empty hours included', async () => {
    const { body } = await suite.get(`/api/v1/app/${appId}/endpoint/${endpointId}/stats`);
    const series: { start: string; success: number; fail: number; p50Ms: number | null }[] = body.series;

    expect(series).toHaveLength(24);
    const first = Date.parse(series[0].start);
    expect(first % HOUR).toBe(0);
    expect(series.map((point) => Date.parse(point.start))).toEqual(Array.from({ length: 24 }, (_, i) => first + i * HOUR));
    expect(Date.parse(series[23].start)).toBeLessThanOrEqual(Date.now());
    expect(Date.parse(series[23].start) + HOUR).toBeGreaterThan(now);

    const expected = series.map((point) => {
      const start = Date.parse(point.start);
      const inHour = attempts.filter((attempt) => attempt.at >= start && attempt.at < start + HOUR);
      return {
        start: point.start,
        success: inHour.filter((attempt) => attempt.success).length,
        fail: inHour.filter((attempt) => !attempt.success).length,
        p50Ms: inHour.length === 0 ? null : near(percentile(inHour.map((attempt) => attempt.durationMs), 0.5)!),
      };
    });
    expect(series).toEqual(expected);
    expect(series.reduce((sum, point) => sum + point.success + point.fail, 0)).toBe(15);
  });

  it('reports no attempts as zero counts and null rates', async () => {
    const { body } = await suite.get(`/api/v1/app/${appId}/endpoint/${otherEndpointId}/stats`);
    expect(body.windows.day).toEqual({ success: 0, fail: 3, successRate: 0, p50Ms: near(9_999), p99Ms: near(9_999) });
    const quiet = (await suite.svix.endpoint.create(appId, { url: 'https://quiet.example.com/hook' })).id;
    const empty = (await suite.get(`/api/v1/app/${appId}/endpoint/${quiet}/stats`)).body;
    expect(empty.windows.hour).toEqual({ success: 0, fail: 0, successRate: null, p50Ms: null, p99Ms: null });
    expect(empty.series.every((point: { success: number; fail: number; p50Ms: null }) => point.success + point.fail === 0 && point.p50Ms === null)).toBe(true);
  });

  it('answers 404 for an endpoint of another application and 422 for a window that ends before it starts', async () => {
    const otherApp = (await suite.svix.application.create({ name: 'other' })).id;
    expect((await svixError(suite.svix.endpoint.getStats(otherApp, endpointId))).code).toBe(404);
    expect((await svixError(suite.svix.endpoint.getStats(appId, 'ep_01JB0000000000000000000000'))).code).toBe(404);
    const backwards = await svixError(suite.svix.endpoint.getStats(appId, endpointId, { since: new Date(now), until: new Date(now - DAY) }));
    expect(backwards.code).toBe(422);
    expect((await suite.get(`/api/v1/app/${appId}/endpoint/${endpointId}/stats?since=last-week`)).status).toBe(422);
  });

  it('reads one endpoint’s counters, and its rows only for part-hours, off indexes, never scanning a table', async () => {
    // A month of traffic to 40 endpoints, so that the planner weighs real alternatives.
    const bulkApp = (await suite.svix.application.create({ name: 'bulk' })).id;
    const endpoints = Array.from({ length: 40 }, () => newId('endpoint'));
    await suite.db.query(`INSERT INTO endpoints (id, app_id, url, metadata) SELECT id, $1, 'https://bulk.example.com', '{}' FROM unnest($2::varchar[]) AS e(id)`, [
      bulkApp,
      endpoints,
    ]);
    await suite.db.query(
      `WITH m AS (
         INSERT INTO messages (id, app_id, event_type, payload, created_at)
         SELECT 'msg_bulk' || i, $1, 'bulk', '{}', now() - i * interval '200 seconds' FROM generate_series(1, 12000) AS i
         RETURNING id, created_at
       ), d AS (
         INSERT INTO deliveries (id, message_id, endpoint_id, app_id, status, created_at, updated_at)
         SELECT 'dlv' || substr(m.id, 4), m.id, ($2::varchar[])[1 + abs(hashtext(m.id)) % 40], $1,
                (ARRAY['succeeded', 'failed', 'pending'])[1 + abs(hashtext(m.id)) % 3], m.created_at, m.created_at
           FROM m
         RETURNING id, message_id, endpoint_id, created_at
       )
       INSERT INTO attempts (id, delivery_id, message_id, endpoint_id, app_id, attempt_number, trigger, outcome, url,
                             response_status_code, response_duration_ms, created_at)
       SELECT 'atmpt' || substr(d.id, 4), d.id, d.message_id, d.endpoint_id, $1, 1, 'scheduled', 'succeeded', 'https://bulk.example.com',
              200, 1 + abs(hashtext(d.id)) % 500, d.created_at
         FROM d`,
      [bulkApp, endpoints],
    );
    await suite.db.query('ANALYZE deliveries');
    await suite.db.query('VACUUM ANALYZE attempts');

    // The repository's own statements, planned by Postgres with the values the API passes.
    const plans: string[] = [];
    const explaining = {
      tx: {
        query: async (sql: string, parameters: unknown[]) => {
          const { rows } = await suite.db.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`, parameters);
          plans.push(rows.map((row) => row['QUERY PLAN']).join('\n'));
          return [];
        },
      },
    };
    const sut = new EndpointStatsRepository(explaining as never);
    const at = new Date();
    await sut.countDeliveriesByStatus(endpoints[7], new Date(at.getTime() - 28 * DAY), at, new Date(at.getTime() - 90 * DAY));
    await sut.attemptFigures(endpoints[7], [new Date(at.getTime() - HOUR), new Date(at.getTime() - DAY)], new Date(at.getTime() - 90 * DAY));
    await sut.hourlySeries(endpoints[7], new Date(Math.floor(at.getTime() / HOUR) * HOUR - 23 * HOUR), 24);

    const [deliveryCounts, hourWindow, dayWindow, series] = plans;
    expect(deliveryCounts).toMatch(/Index( Only)? Scan using ix_deliveries_endpoint on deliveries|Bitmap Index Scan on ix_deliveries_endpoint/);
    expect(deliveryCounts).toMatch(/(Index Scan using|Bitmap Index Scan on) pk_endpoint_delivery_counts/);
    for (const plan of [hourWindow, dayWindow]) {
      expect(plan).toMatch(/Index Only Scan using ix_attempts_endpoint on attempts/);
      expect(plan).toMatch(/(Index Scan using|Bitmap Index Scan on) pk_endpoint_attempt_counts/);
    }
    expect(series).toMatch(/(Index Scan using|Bitmap Index Scan on) pk_endpoint_attempt_counts/);
    expect(series).not.toMatch(/on attempts/);
    for (const plan of plans) expect(plan).not.toMatch(/Seq Scan on (deliveries|attempts)/);
  });
});
