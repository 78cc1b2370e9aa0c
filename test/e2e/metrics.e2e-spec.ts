import { ID_PREFIX } from '@app/core';
import type { INestApplication } from '@nestjs/common';
import { ApiSuite, startApiSuite } from '../api/support/api-suite';
import { FakeReceiver } from '../support/fake-receiver';
import { Scrape } from '../support/prometheus-text';
import { startWorkerInProcess } from '../support/worker-process';

const METRICS_TOKEN = 'scrape-token-of-this-suite';

/**
 * What an operator's Prometheus reads: the API and a worker each serve their own `/metrics`, behind
 * IDEM_METRICS_TOKEN here, and the counters move by exactly what happened. Messages go through the
 * real API, queue and worker to receivers on 127.0.0.1: some succeed, one receiver fails, one endpoint's
 * address the worker's target policy refuses, one endpoint is throttled, and some deliveries are lost
 * with Redis and brought back by the sweeper.
 */
describe('Prometheus metrics of the API and the worker', () => {
  let suite: ApiSuite;
  let worker: INestApplication;
  let workerUrl: string;
  const receivers: FakeReceiver[] = [];
  let api: Scrape;
  let delivered: Scrape;

  async function scrape(baseUrl: string): Promise<Scrape> {
    const response = await fetch(`${baseUrl}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain;.*version=0\.0\.4/);
    return Scrape.parse(await response.text());
  }

  async function appWithEndpoint(name: string, url: string, throttleRate?: number): Promise<string> {
    const app = await suite.svix.application.create({ name });
    await suite.svix.endpoint.create(app.id, { url, throttleRate });
    return app.id;
  }

  async function sendMessage(appId: string, body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<{ id: string }> {
    const response = await suite.request('POST', `/api/v1/app/${appId}/msg`, { body: { eventType: 'order.paid', payload: { n: 1 }, ...body }, headers });
    expect(response.status).toBe(202);
    return response.body;
  }

  beforeAll(async () => {
    suite = await startApiSuite({
      IDEM_METRICS_TOKEN: METRICS_TOKEN,
      IDEM_RETRY_SCHEDULE: '200ms',
      IDEM_SWEEP_INTERVAL: '200ms',
      IDEM_REQUEUE_AFTER: '1m',
      IDEM_CLEANUP_INTERVAL: '200ms',
    });
    const succeeding = await FakeReceiver.start();
    const failing = await FakeReceiver.start(() => ({ status: 500, body: 'down' }));
    receivers.push(succeeding, failing);
    const okApp = await appWithEndpoint('succeeding', `${succeeding.url}/ok`);
    const failingApp = await appWithEndpoint('failing', `${failing.url}/fail`);
    // The API saves it (its policy allows private targets); the worker's policy below refuses it, as after
    // an operator tightened IDEM_TARGET_ALLOWLIST. Nothing is ever sent to it.
    const refusedApp = await appWithEndpoint('refused', 'http://127.0.0.2:9/hook');
    const throttledApp = await appWithEndpoint('throttled', `${succeeding.url}/slow`, 1);

    // Before any worker runs: three messages, one of them sent twice with an Idempotency-Key and one twice
    // with an eventId. Then Redis loses their jobs, and only the sweeper can bring them back.
    await sendMessage(okApp, {});
    await sendMessage(okApp, {}, { 'idempotency-key': 'retried-key' });
    await sendMessage(okApp, {}, { 'idempotency-key': 'retried-key' });
    await sendMessage(okApp, { eventId: 'retried-event' });
    await sendMessage(okApp, { eventId: 'retried-event' });
    await suite.environment.flushQueueKeys();
    await suite.db.query(`UPDATE deliveries SET enqueued_at = now() - interval '1 hour'`);
    // Past the idempotency retention (7 days): the cleanup deletes exactly these two rows.
    await suite.db.query(`UPDATE idempotency_records SET created_at = now() - interval '30 days' WHERE key = 'retried-key'`);
    await suite.db.query(`UPDATE message_event_ids SET created_at = now() - interval '30 days' WHERE event_id = 'retried-event'`);

    worker = await startWorkerInProcess({ ...suite.environment.env, IDEM_ALLOW_PRIVATE_TARGETS: 'false', IDEM_TARGET_ALLOWLIST: '127.0.0.1/32' });
    workerUrl = (await worker.getUrl()).replace('[::1]', '127.0.0.1');

    const shown = await sendMessage(okApp, {});
    await sendMessage(okApp, {});
    await sendMessage(failingApp, {});
    await sendMessage(refusedApp, {});
    await sendMessage(throttledApp, {});
    await sendMessage(throttledApp, {});
    expect((await suite.request('GET', `/api/v1/app/${okApp}/msg/${shown.id}`)).status).toBe(200);
    expect((await suite.request('POST', '/api/v1/app/app_2NoSuchApplication0000000/msg', { body: { eventType: 'a', payload: {} } })).status).toBe(404);
    expect((await suite.request('GET', `/api/v1/app/${okApp}/no-such-thing/ep_2NoSuchEndpoint`)).status).toBe(404);

    // 7 successes (5 to the succeeding receiver, 2 throttled ones), 2 failures and 2 refusals.
    const deadline = Date.now() + 30_000;
    for (;;) {
      delivered = await scrape(workerUrl);
      if (delivered.sum('idem_attempts_total') >= 11 && delivered.sum('idem_deliveries_exhausted_total') >= 2) break;
      if (Date.now() > deadline) throw new Error(`deliveries not done in time:\n${JSON.stringify(delivered.samples.filter((s) => s.name.startsWith('idem_')))}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    // Anything counted twice would show by now.
    await new Promise((resolve) => setTimeout(resolve, 500));
    delivered = await scrape(workerUrl);
    api = await scrape(suite.url);
  });

  afterAll(async () => {
    await worker?.close();
    await Promise.all(receivers.map((receiver) => receiver.close()));
    await suite?.close();
  });

  it('refuses a scrape without IDEM_METRICS_TOKEN, on the API and the worker alike', async () => {
    for (const baseUrl of [suite.url, workerUrl]) {
      expect((await fetch(`${baseUrl}/metrics`)).status).toBe(401);
      expect((await fetch(`${baseUrl}/metrics`, { headers: { authorization: `Bearer ${suite.environment.adminToken}` } })).status).toBe(401);
    }
  });

  it('counts accepted messages apart from idempotent replays, by eventId or Idempotency-Key', () => {
    expect(api.value('idem_messages_accepted_total', { replayed: 'false' })).toBe(9);
    expect(api.value('idem_messages_accepted_total', { replayed: 'true' })).toBe(2);
  });

  it('counts and times HTTP requests by route template and status class', () => {
    const acceptMessage = { method: 'POST', route: '/api/v1/app/:app_id/msg' };
    expect(api.value('idem_http_requests_total', { ...acceptMessage, status_class: '2xx' })).toBe(11);
    expect(api.value('idem_http_request_duration_seconds_count', { ...acceptMessage, status_class: '2xx' })).toBe(11);
    expect(api.value('idem_http_request_duration_seconds_bucket', { ...acceptMessage, status_class: '2xx', le: '+Inf' })).toBe(11);
    expect(api.value('idem_http_requests_total', { ...acceptMessage, status_class: '4xx' })).toBe(1);
    expect(api.value('idem_http_requests_total', { method: 'GET', route: '/api/v1/app/:app_id/msg/:msg_id', status_class: '2xx' })).toBe(1);
    expect(api.value('idem_http_requests_total', { method: 'GET', route: 'other', status_class: '4xx' })).toBe(1);
  });

  it('counts attempts by outcome, with their durations, and the deliveries that ran out of attempts', () => {
    expect(delivered.value('idem_attempts_total', { outcome: 'succeeded' })).toBe(7);
    expect(delivered.value('idem_attempts_total', { outcome: 'failed' })).toBe(2);
    expect(delivered.value('idem_attempts_total', { outcome: 'refused' })).toBe(2);
    expect(delivered.value('idem_attempt_duration_seconds_count', { outcome: 'succeeded' })).toBe(7);
    expect(delivered.value('idem_attempt_duration_seconds_count', { outcome: 'failed' })).toBe(2);
    expect(delivered.value('idem_deliveries_exhausted_total')).toBe(2);
    // Two messages at once to an endpoint allowed one a second: the second waits at least once.
    expect(delivered.value('idem_deliveries_throttled_total')).toBeGreaterThanOrEqual(1);
  });

  it("counts the sweeper's re-enqueues by reason and the retention cleanup's deletions by table", () => {
    expect(delivered.value('idem_sweeper_requeued_total', { reason: 'unqueued' })).toBe(3);
    expect(delivered.value('idem_sweeper_requeued_total', { reason: 'lease_expired' })).toBe(0);
    expect(delivered.value('idem_retention_deleted_rows_total', { table: 'idempotency_records' })).toBe(1);
    expect(delivered.value('idem_retention_deleted_rows_total', { table: 'message_event_ids' })).toBe(1);
  });

  it('reads the backlog on scrape: nothing due in Postgres and nothing waiting in the queue once all is delivered', async () => {
    // The counts are cached for a few seconds, and the last scrape may have come while the lost deliveries
    // were due or the last jobs were finishing: each must come to nothing, not merely have been read once.
    const settled = (backlog: Scrape) =>
      backlog.value('idem_deliveries_due') === 0 && backlog.value('idem_queue_jobs', { state: 'waiting' }) === 0 && backlog.value('idem_queue_jobs', { state: 'active' }) === 0;
    let backlog = await scrape(workerUrl);
    const deadline = Date.now() + 10_000;
    while (!settled(backlog) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      backlog = await scrape(workerUrl);
    }
    expect(backlog.value('idem_deliveries_due')).toBe(0);
    expect(backlog.value('idem_queue_jobs', { state: 'waiting' })).toBe(0);
    expect(backlog.value('idem_queue_jobs', { state: 'active' })).toBe(0);
  });

  it("exposes each process's Node metrics", () => {
    for (const scraped of [api, delivered]) {
      expect(scraped.value('process_cpu_user_seconds_total')).toBeGreaterThan(0);
      expect(scraped.value('nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
    }
  });

  it('puts no id, URL or address in any label', () => {
    const idPrefixes = Object.values(ID_PREFIX).map((prefix) => `${prefix}_`);
    for (const scraped of [api, delivered]) {
      const values = new Set(scraped.samples.flatMap((sample) => Object.values(sample.labels)));
      // A route template's parameters (`:app_id`) are names, not ids.
      const leaking = [...values].filter((value) => {
        const text = value.replace(/:[a-z_]+/g, '');
        return idPrefixes.some((prefix) => text.includes(prefix)) || /127\.0\.0|https?:|retried-|no-such/.test(text);
      });
      expect(leaking).toEqual([]);
    }
  });
});
