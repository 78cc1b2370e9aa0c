import { DELIVERY_QUEUE, deliveryJobId } from '@app/queue';
import type { INestApplicationContext } from '@nestjs/common';
import { Queue } from 'bullmq';
import IORedis from 'ioredis';
import { FakeReceiver } from '../support/fake-receiver';
import { Seeder } from '../support/seed';
import { createTestEnvironment, TestEnvironment } from '../support/test-environment';
import { startWorkerInProcess } from '../support/worker-process';

/** Postgres decides what is due: whatever Redis lost or BullMQ dropped, the sweeper enqueues again. */
describe('Sweeping Postgres for due deliveries', () => {
  let environment: TestEnvironment;
  let seeder: Seeder;
  const workers: INestApplicationContext[] = [];
  const receivers: FakeReceiver[] = [];

  beforeAll(async () => {
    environment = await createTestEnvironment({
      IDEM_RETRY_SCHEDULE: '200ms,400ms,800ms',
      IDEM_SWEEP_INTERVAL: '200ms',
      IDEM_REQUEUE_AFTER: '1s',
      // Generous, so a machine under load does not turn slow answers into retries this suite is not about.
      IDEM_DELIVERY_TIMEOUT: '5s',
    });
    seeder = await Seeder.open(environment);
  });

  afterAll(async () => {
    await Promise.all(workers.map((worker) => worker.close()));
    await Promise.all(receivers.map((receiver) => receiver.close()));
    await seeder?.close();
    await environment?.dispose();
  });

  async function startWorker(): Promise<INestApplicationContext> {
    const worker = await startWorkerInProcess(environment.env);
    workers.push(worker);
    return worker;
  }

  async function stopWorker(worker: INestApplicationContext): Promise<void> {
    await worker.close();
    workers.splice(workers.indexOf(worker), 1);
  }

  async function receiverEndpoint() {
    const receiver = await FakeReceiver.start();
    receivers.push(receiver);
    const endpoint = await seeder.endpoint({ url: receiver.url });
    receiver.verifyWith(endpoint.secret);
    return { receiver, endpoint };
  }

  it('enqueues due deliveries whose job never reached Redis', async () => {
    const worker = await startWorker();
    const { receiver, endpoint } = await receiverEndpoint();
    // The API committed but Redis refused the job: enqueued_at says never, or long enough ago.
    const neverEnqueued = await seeder.messages(endpoint, 10, { enqueue: false, enqueuedAt: null });
    const lost = await seeder.messages(endpoint, 10, { enqueue: false });
    const seededAt = Date.now();

    await seeder.waitForStatus(neverEnqueued.map((d) => d.deliveryId), 'succeeded', 5_000);
    await seeder.waitForStatus(lost.map((d) => d.deliveryId), 'succeeded', 5_000);
    const firstSeen = new Map<string, number>();
    for (const webhook of receiver.received) firstSeen.set(String(webhook.headers['webhook-id']), Math.min(firstSeen.get(String(webhook.headers['webhook-id'])) ?? Infinity, webhook.receivedAt));
    // A job enqueued less than IDEM_REQUEUE_AFTER ago is trusted to be on its way.
    expect(Math.min(...lost.map((d) => firstSeen.get(d.messageId)!)) - seededAt).toBeGreaterThanOrEqual(900);
    expect((await seeder.sendsAndAttempts([...neverEnqueued, ...lost], receiver)).every(({ sends, attempts }) => sends === 1 && attempts.length === 1)).toBe(true);
    await stopWorker(worker);
  });

  it('delivers everything when Redis loses the queue under a running worker', async () => {
    const worker = await startWorker();
    const { receiver, endpoint } = await receiverEndpoint();
    // The first attempt of every message fails and answers slowly, so when Redis is flushed there are
    // waiting jobs, active jobs and delayed retries, all of which vanish.
    const failedOnce = new Set<string>();
    receiver.behaviour = (webhook) => {
      const id = String(webhook.headers['webhook-id']);
      if (failedOnce.has(id)) return { status: 200 };
      failedOnce.add(id);
      return { status: 503, headers: { 'retry-after': '10' }, delayMs: 100 };
    };
    const deliveries = await seeder.messages(endpoint, 100);
    await receiver.waitFor(() => failedOnce.size >= 20);
    expect(await environment.flushQueueKeys()).toBeGreaterThan(0);

    await seeder.waitForStatus(deliveries.map((d) => d.deliveryId), 'succeeded', 15_000);
    const outcome = await seeder.sendsAndAttempts(deliveries, receiver);
    expect(outcome.every(({ sends }) => sends >= 1)).toBe(true);
    expect(outcome.every(({ attempts }) => attempts.at(-1) === attempts.length)).toBe(true);
    await stopWorker(worker);
  });

  it('delivers everything when Redis loses the queue while no worker runs', async () => {
    const { receiver, endpoint } = await receiverEndpoint();
    const waiting = await seeder.messages(endpoint, 20);
    // Deliveries waiting for their second attempt, whose delayed job is in Redis.
    const retrying = await seeder.messages(endpoint, 20, { enqueue: false });
    await seeder.db.query(
      `UPDATE deliveries SET scheduled_attempts = 1, next_attempt_at = now() + interval '300 milliseconds' WHERE id = ANY($1)`,
      [retrying.map((d) => d.deliveryId)],
    );
    await seeder.queue.enqueue(retrying.map((d) => ({ deliveryId: d.deliveryId, attemptNumber: 2, delayMs: 300 })));
    expect(await environment.flushQueueKeys()).toBeGreaterThan(0);

    const worker = await startWorker();
    await seeder.waitForStatus([...waiting, ...retrying].map((d) => d.deliveryId), 'succeeded', 10_000);
    const outcome = await seeder.sendsAndAttempts([...waiting, ...retrying], receiver);
    expect(outcome.slice(0, 20).every(({ sends, attempts }) => sends === 1 && attempts.join() === '1')).toBe(true);
    expect(outcome.slice(20).every(({ sends, attempts }) => sends === 1 && attempts.join() === '2')).toBe(true);
    await stopWorker(worker);
  });

  it('re-enqueues an attempt whose id BullMQ still holds for a job that will never run', async () => {
    const worker = await startWorker();
    const { receiver, endpoint } = await receiverEndpoint();
    const [afterFinished, afterOrphan] = await seeder.messages(endpoint, 2, { enqueue: false });
    const redis = new IORedis(environment.redisUrl, { maxRetriesPerRequest: null });
    const queue = new Queue(DELIVERY_QUEUE, { connection: redis, prefix: environment.queuePrefix });
    try {
      // A finished job BullMQ kept under the attempt's id (here: one that pointed nowhere).
      const finishedId = deliveryJobId({ deliveryId: afterFinished.deliveryId, attemptNumber: 1 });
      await queue.add('deliver', { deliveryId: 'dlv_none', attemptNumber: 1 }, { jobId: finishedId, removeOnComplete: false });
      // An orphan: the job's hash outlived the delayed set that held it, as when keys are deleted one by one.
      const orphanId = deliveryJobId({ deliveryId: afterOrphan.deliveryId, attemptNumber: 1 });
      await queue.add('deliver', { deliveryId: afterOrphan.deliveryId, attemptNumber: 1 }, { jobId: orphanId, delay: 3_600_000 });
      await redis.del(`${environment.queuePrefix}:${DELIVERY_QUEUE}:delayed`);
      const deadline = Date.now() + 5_000;
      while ((await queue.getJobState(finishedId)) !== 'completed') {
        if (Date.now() > deadline) throw new Error('the decoy job did not complete');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(await queue.getJobState(orphanId)).toBe('unknown');

      await seeder.waitForStatus([afterFinished.deliveryId, afterOrphan.deliveryId], 'succeeded', 5_000);
      expect(receiver.countsByMessageId()).toEqual(new Map([[afterFinished.messageId, 1], [afterOrphan.messageId, 1]]));
    } finally {
      await queue.close();
      redis.disconnect();
    }
    await stopWorker(worker);
  });

  it('with two workers sweeping and delivering at once, sends and records each attempt once', async () => {
    await Promise.all([startWorker(), startWorker()]);
    const { receiver, endpoint } = await receiverEndpoint();
    // Every third message fails its first attempt, so retries go through the sweepers too.
    const failedOnce = new Set<string>();
    receiver.behaviour = (webhook) => {
      const seq = (JSON.parse(webhook.body) as { seq: number }).seq;
      const id = String(webhook.headers['webhook-id']);
      if (seq % 3 !== 0 || failedOnce.has(id)) return { status: 200 };
      failedOnce.add(id);
      return { status: 500 };
    };
    // Nothing is enqueued: both sweepers race for every delivery, and again for every retry they lose.
    const deliveries = await seeder.messages(endpoint, 300, { enqueue: false, enqueuedAt: null });

    await seeder.waitForStatus(deliveries.map((d) => d.deliveryId), 'succeeded', 20_000);
    const outcome = await seeder.sendsAndAttempts(deliveries, receiver);
    const retried = outcome.filter(({ attempts }) => attempts.length > 1).length;
    const duplicates = outcome.reduce((sum, { sends, attempts }) => sum + sends - attempts.length, 0);
    const { rows: failures } = await seeder.db.query<{ reason: string; n: string }>(
      `SELECT coalesce(error, response_status_code::text) AS reason, count(*) AS n FROM attempts
        WHERE delivery_id = ANY($1) AND outcome = 'failed' GROUP BY 1`,
      [deliveries.map((d) => d.deliveryId)],
    );
    console.log(
      `two workers: ${deliveries.length} deliveries, ${receiver.received.length} requests, ${retried} retried ` +
        `(${failures.map((f) => `${f.n} × ${f.reason}`).join(', ')}), ${duplicates} duplicates`,
    );
    expect(outcome.every(({ sends, attempts }) => sends === attempts.length && attempts.every((n, i) => n === i + 1))).toBe(true);
    expect(retried).toBeGreaterThan(0);
  });
});
