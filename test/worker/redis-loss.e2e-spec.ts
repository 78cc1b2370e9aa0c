import { queueEpochKey } from '@app/queue';
import type { INestApplication } from '@nestjs/common';
import IORedis from 'ioredis';
import { FakeReceiver } from '../support/fake-receiver';
import { Scrape } from '../support/prometheus-text';
import { SeededDelivery, SeededEndpoint, Seeder } from '../support/seed';
import { createTestEnvironment, TestEnvironment } from '../support/test-environment';
import { until } from '../support/until';
import { startWorkerInProcess } from '../support/worker-process';

const SWEEP_INTERVAL_MS = 1_000;

/**
 * Redis loses the queue while a worker runs. IDEM_REQUEUE_AFTER is a minute, so the sweeper's ordinary
 * requeue cannot bring anything back within the test: only noticing the loss can.
 */
describe('Noticing at once that Redis lost the queue', () => {
  let environment: TestEnvironment;
  let seeder: Seeder;
  let redis: IORedis;
  let worker: INestApplication;
  let receiver: FakeReceiver;
  let endpoint: SeededEndpoint;

  beforeAll(async () => {
    environment = await createTestEnvironment({
      IDEM_SWEEP_INTERVAL: `${SWEEP_INTERVAL_MS}ms`,
      IDEM_REQUEUE_AFTER: '60s',
      IDEM_RETRY_SCHEDULE: '1h',
      IDEM_DELIVERY_TIMEOUT: '5s',
    });
    seeder = await Seeder.open(environment);
    redis = new IORedis(environment.redisUrl, { maxRetriesPerRequest: 1 });
    receiver = await FakeReceiver.start();
    endpoint = await seeder.endpoint({ url: receiver.url });
    receiver.verifyWith(endpoint.secret);
    worker = await startWorkerInProcess(environment.env);
    // A worker learns the epoch on its first sweep; a loss before that is one it cannot tell from a new Redis.
    await until(async () => (await redis.get(queueEpochKey(environment.queuePrefix))) !== null, "the worker's first look at the epoch", 10_000);
  });

  afterAll(async () => {
    await worker?.close();
    await receiver?.close();
    redis?.disconnect();
    await seeder?.close();
    await environment?.dispose();
  });

  async function requeued(reason: string): Promise<number | undefined> {
    const url = (await worker.getUrl()).replace('[::1]', '127.0.0.1');
    return Scrape.parse(await (await fetch(`${url}/metrics`)).text()).value('idem_sweeper_requeued_total', { reason });
  }

  function firstReceivedAt(delivery: SeededDelivery): number {
    return Math.min(...receiver.received.filter((webhook) => webhook.headers['webhook-id'] === delivery.messageId).map((webhook) => webhook.receivedAt));
  }

  it('re-enqueues every pending delivery within two sweep intervals of a flush under load, and fires retries on time', async () => {
    let flushedAt = Number.POSITIVE_INFINITY;
    // Slow answers until the flush, so it finds deliveries sent, in flight and waiting in the queue.
    receiver.behaviour = (webhook) => (webhook.receivedAt < flushedAt ? { status: 200, delayMs: 300 } : { status: 200 });
    const due = await seeder.messages(endpoint, 300);
    // Deliveries whose first attempt failed: their retry waits in BullMQ's delayed set, due in 2.5 s.
    const retrying = await seeder.messages(endpoint, 40, { enqueue: false });
    const {
      rows: [{ next_attempt_at: retryAt }],
    } = await seeder.db.query<{ next_attempt_at: Date }>(
      `UPDATE deliveries SET scheduled_attempts = 1, next_attempt_at = now() + interval '2500 milliseconds', enqueued_at = now()
        WHERE id = ANY($1) RETURNING next_attempt_at`,
      [retrying.map((d) => d.deliveryId)],
    );
    await seeder.queue.enqueue(retrying.map((d) => ({ deliveryId: d.deliveryId, attemptNumber: 2, delayMs: retryAt.getTime() - Date.now() })));
    await receiver.waitFor((received) => received.length >= 150);

    flushedAt = Date.now();
    expect(await environment.flushQueueKeys()).toBeGreaterThan(0);

    await seeder.waitForStatus(
      due.map((d) => d.deliveryId),
      'succeeded',
      flushedAt + 2 * SWEEP_INTERVAL_MS - Date.now(),
    );
    console.log(`redis loss: ${due.length} due deliveries delivered ${Date.now() - flushedAt} ms after the flush`);
    await seeder.waitForStatus(
      retrying.map((d) => d.deliveryId),
      'succeeded',
      retryAt.getTime() + SWEEP_INTERVAL_MS - Date.now(),
    );
    for (const delivery of retrying) expect(firstReceivedAt(delivery)).toBeGreaterThanOrEqual(retryAt.getTime() - 1_000);

    const outcome = await seeder.sendsAndAttempts([...due, ...retrying], receiver);
    expect(outcome.slice(0, due.length).every(({ sends, attempts }) => sends === 1 && attempts.join() === '1')).toBe(true);
    expect(outcome.slice(due.length).every(({ sends, attempts }) => sends === 1 && attempts.join() === '2')).toBe(true);
    expect(receiver.received.every((webhook) => webhook.verified)).toBe(true);
    // Waiting and delayed jobs came back as redis_lost, none through the ordinary requeue.
    expect(await requeued('redis_lost')).toBeGreaterThanOrEqual(retrying.length);
    expect(await requeued('unqueued')).toBe(0);
  });

  it('loses nothing and sends nothing twice when Redis is flushed while the worker is idle and new work follows', async () => {
    receiver.behaviour = () => ({ status: 200 });
    const epochKey = queueEpochKey(environment.queuePrefix);
    const before = await redis.get(epochKey);
    expect(before).not.toBeNull();

    expect(await environment.flushQueueKeys()).toBeGreaterThan(0);
    // Accepted before the worker notices, then after it has.
    const beforeNoticed = await seeder.messages(endpoint, 50);
    await until(async () => ![null, before].includes(await redis.get(epochKey)), 'a new epoch', 2 * SWEEP_INTERVAL_MS + 1_000);
    const afterNoticed = await seeder.messages(endpoint, 50);

    const all = [...beforeNoticed, ...afterNoticed];
    await seeder.waitForStatus(
      all.map((d) => d.deliveryId),
      'succeeded',
      2 * SWEEP_INTERVAL_MS,
    );
    const outcome = await seeder.sendsAndAttempts(all, receiver);
    expect(outcome.every(({ sends, attempts }) => sends === 1 && attempts.join() === '1')).toBe(true);
  });
});
