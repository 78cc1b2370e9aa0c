import type { INestApplication } from '@nestjs/common';
import { Scrape } from '../support/prometheus-text';
import { Seeder } from '../support/seed';
import { TcpProxy } from '../support/tcp-proxy';
import { createTestEnvironment, TestEnvironment } from '../support/test-environment';
import { startWorkerInProcess } from '../support/worker-process';

/** What a container orchestrator and Prometheus see of a worker: `/health` and the backlog in `/metrics`. */
describe("The worker's health and metrics server", () => {
  let environment: TestEnvironment;
  let seeder: Seeder;
  let worker: INestApplication;
  const workers: INestApplication[] = [];
  const proxies: TcpProxy[] = [];

  async function startWorker(overrides: Record<string, string> = {}): Promise<{ app: INestApplication; url: string }> {
    const app = await startWorkerInProcess({ ...environment.env, ...overrides });
    workers.push(app);
    return { app, url: (await app.getUrl()).replace('[::1]', '127.0.0.1') };
  }

  async function health(url: string): Promise<{ status: number; body: any }> {
    const response = await fetch(`${url}/health`);
    return { status: response.status, body: await response.json() };
  }

  async function waitForHealth(url: string, status: number): Promise<{ status: number; body: any }> {
    const deadline = Date.now() + 20_000;
    let answer = await health(url);
    while (answer.status !== status && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      answer = await health(url);
    }
    return answer;
  }

  beforeAll(async () => {
    // Deliveries the sweeper would otherwise re-enqueue stay as seeded: due in Postgres, absent from Redis.
    environment = await createTestEnvironment({ IDEM_REQUEUE_AFTER: '1h' });
    seeder = await Seeder.open(environment);
  });

  afterAll(async () => {
    await Promise.all(workers.map((app) => app.close()));
    await Promise.all(proxies.map((proxy) => proxy.close()));
    await seeder?.close();
    await environment?.dispose();
  });

  it('answers 200 while Postgres and Redis answer and the delivery worker takes jobs', async () => {
    const { url } = await startWorker();

    const answer = await health(url);
    expect(answer).toEqual({
      status: 200,
      body: expect.objectContaining({ status: 'ok', info: { database: { status: 'up' }, redis: { status: 'up' }, deliveryWorker: { status: 'up' } } }),
    });
  });

  it('answers 503 naming Redis while Redis is unreachable, still serves /metrics, and 200 once Redis is back', async () => {
    const proxy = await TcpProxy.start(new URL(environment.redisUrl));
    proxies.push(proxy);
    const { url } = await startWorker({ REDIS_URL: `redis://127.0.0.1:${proxy.port}` });
    expect((await health(url)).status).toBe(200);

    await proxy.cut();
    const down = await waitForHealth(url, 503);
    expect(down.status).toBe(503);
    expect(down.body).toEqual(
      expect.objectContaining({ status: 'error', error: { redis: expect.objectContaining({ status: 'down' }) }, info: expect.objectContaining({ database: { status: 'up' } }) }),
    );
    const scrape = await fetch(`${url}/metrics`);
    expect(scrape.status).toBe(200);
    // What Redis holds cannot be read: the series is left out rather than shown stale.
    expect(Scrape.parse(await scrape.text()).value('idem_queue_jobs', { state: 'waiting' })).toBeUndefined();

    await proxy.restore();
    expect((await waitForHealth(url, 200)).status).toBe(200);
  });

  it('counts due deliveries from Postgres, including those Redis never had, and jobs by queue state', async () => {
    const { url } = await startWorker();
    const endpoint = await seeder.endpoint({ url: 'http://127.0.0.1:9/never-called' });
    await seeder.messages(endpoint, 3, { enqueue: false, enqueuedAt: 'now' });
    await seeder.queue.enqueue([{ deliveryId: 'dlv_01JB0000000000000000000000', attemptNumber: 1, delayMs: 600_000 }]);

    // Counts are cached for a few seconds: wait for one read after the seeding.
    const deadline = Date.now() + 10_000;
    let scrape = Scrape.parse(await (await fetch(`${url}/metrics`)).text());
    while (scrape.value('idem_deliveries_due') !== 3 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      scrape = Scrape.parse(await (await fetch(`${url}/metrics`)).text());
    }
    expect(scrape.value('idem_deliveries_due')).toBe(3);
    expect(scrape.value('idem_queue_jobs', { state: 'delayed' })).toBe(1);
    expect(scrape.value('idem_queue_jobs', { state: 'waiting' })).toBe(0);
  });

  it('stops serving when the worker is closed', async () => {
    const { app, url } = await startWorker();
    expect((await health(url)).status).toBe(200);

    await app.close();
    workers.splice(workers.indexOf(app), 1);
    await expect(fetch(`${url}/health`)).rejects.toThrow();
  });
});
