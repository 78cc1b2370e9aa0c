import type { INestApplicationContext } from '@nestjs/common';
import { ApiSuite, startApiSuite } from '../api/support/api-suite';
import { FakeReceiver } from '../support/fake-receiver';
import { WorkerProcess } from '../support/worker-process';

jest.setTimeout(120_000);

/** Faults a user must survive: a worker killed mid-delivery, a lost Redis, a deploy's SIGTERM, several workers. */
describe('Delivery under faults', () => {
  let suite: ApiSuite;
  const receivers: FakeReceiver[] = [];
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    // Production lease and lock settings (the default 15 s delivery timeout): the 30 s recovery bound is the real one.
    suite = await startApiSuite({ IDEM_RETRY_SCHEDULE: '1s,1s,1s', IDEM_REQUEUE_AFTER: '1s' });
  });

  afterAll(async () => {
    await Promise.all(workers.map((worker) => worker.stop()));
    await Promise.all(receivers.map((receiver) => receiver.close()));
    await suite?.close();
  });

  async function appWithReceiver(name: string) {
    const receiver = await FakeReceiver.start();
    receivers.push(receiver);
    const app = await suite.svix.application.create({ name });
    const endpoint = await suite.svix.endpoint.create(app.id, { url: receiver.url });
    receiver.verifyWith((await suite.svix.endpoint.getSecret(app.id, endpoint.id)).key);
    return { app, receiver };
  }

  async function send(appId: string, count: number): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) ids.push((await suite.svix.message.create(appId, { eventType: 'fault.test', payload: { i } })).id);
    return ids;
  }

  async function deliveryStatuses(messageIds: string[]): Promise<string[]> {
    const result = await suite.db.query<{ status: string }>('SELECT status FROM deliveries WHERE message_id = ANY($1) ORDER BY message_id', [messageIds]);
    return result.rows.map((row) => row.status);
  }

  async function waitForStatuses(messageIds: string[], status: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await deliveryStatuses(messageIds)).every((s) => s === status) || (await deliveryStatuses(messageIds)).length !== messageIds.length) {
      if (Date.now() > deadline) throw new Error(`deliveries not all ${status} after ${timeoutMs} ms: ${await deliveryStatuses(messageIds)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async function startWorker(): Promise<WorkerProcess> {
    const worker = await WorkerProcess.start(suite.environment.env);
    workers.push(worker);
    return worker;
  }

  it('delivers every message again within 30 s after a worker is SIGKILLed mid-delivery', async () => {
    const { app, receiver } = await appWithReceiver('crash');
    let killedAt = Number.POSITIVE_INFINITY;
    // Hold answers until the worker is dead, so its deliveries are in flight when it dies.
    receiver.behaviour = (webhook) => (webhook.receivedAt < killedAt ? { status: 200, delayMs: 10_000 } : { status: 200 });
    const first = await startWorker();
    const messageIds = await send(app.id, 20);
    await receiver.waitFor((received) => received.length >= 5);

    first.kill('SIGKILL');
    killedAt = Date.now();
    await first.exited;
    await startWorker();

    await waitForStatuses(messageIds, 'succeeded', 30_000);
    const recoveredInMs = Date.now() - killedAt;
    const counts = receiver.countsByMessageId();
    expect(messageIds.every((id) => (counts.get(id) ?? 0) >= 1)).toBe(true);
    const duplicates = receiver.received.length - counts.size;
    console.log(`crash test: ${messageIds.length} messages in, ${counts.size} delivered, ${duplicates} duplicates seen by the receiver, all recorded ${recoveredInMs} ms after the kill`);
    expect(recoveredInMs).toBeLessThan(30_000);
    expect(receiver.received.every((webhook) => webhook.verified)).toBe(true);
  });

  it('delivers everything after the queue is lost from Redis, pending and waiting-to-retry alike', async () => {
    const { app, receiver } = await appWithReceiver('redis-loss');
    const worker = await startWorker();
    // The first attempt of every message fails, so each has a retry waiting in Redis when Redis is flushed.
    const failedOnce = new Set<string>();
    receiver.behaviour = (webhook) => {
      const id = String(webhook.headers['webhook-id']);
      if (failedOnce.has(id)) return { status: 200 };
      failedOnce.add(id);
      return { status: 500 };
    };
    const retrying = await send(app.id, 5);
    await receiver.waitFor(() => failedOnce.size === 5);
    // Each failure recorded, so every delivery waits for its retry rather than holding a lease.
    await waitForStatuses(retrying, 'pending', 10_000);
    // Stop the worker so the next messages wait in the queue, then lose the queue.
    worker.kill('SIGKILL');
    await worker.exited;
    const waiting = await send(app.id, 5);
    const flushed = await suite.environment.flushQueueKeys();
    expect(flushed).toBeGreaterThan(0);

    await startWorker();
    await waitForStatuses([...retrying, ...waiting], 'succeeded', 30_000);
    const counts = receiver.countsByMessageId();
    expect([...retrying, ...waiting].every((id) => (counts.get(id) ?? 0) >= 1)).toBe(true);
  });

  it('finishes in-flight deliveries on SIGTERM and exits 0', async () => {
    const { app, receiver } = await appWithReceiver('sigterm');
    receiver.behaviour = () => ({ status: 200, body: 'done', delayMs: 1500 });
    const worker = await startWorker();
    const messageIds = await send(app.id, 5);
    await receiver.waitFor((received) => received.length === 5);

    worker.kill('SIGTERM');
    const { code } = await worker.exited;
    expect(code).toBe(0);
    expect(await deliveryStatuses(messageIds)).toEqual(Array(5).fill('succeeded'));
  });

  it('with two workers sweeping and delivering at once, records each attempt once and delivers each message once', async () => {
    const { app, receiver } = await appWithReceiver('two-workers');
    await Promise.all([startWorker(), startWorker()]);
    const messageIds = await send(app.id, 60);
    await waitForStatuses(messageIds, 'succeeded', 30_000);
    const attempts = await suite.db.query<{ message_id: string; n: string }>(
      'SELECT message_id, count(*) AS n FROM attempts WHERE message_id = ANY($1) GROUP BY message_id',
      [messageIds],
    );
    expect(attempts.rows).toHaveLength(60);
    expect(attempts.rows.every((row) => row.n === '1')).toBe(true);
    expect([...receiver.countsByMessageId().values()].every((count) => count === 1)).toBe(true);
  });
});
