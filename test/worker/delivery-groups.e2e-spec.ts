import { DELIVERY_GROUP_JOB, DeliveryGroupJob, DeliveryJob, deliveryJobId } from '@app/queue';
import type { INestApplicationContext } from '@nestjs/common';
import { FakeReceiver } from '../support/fake-receiver';
import { Seeder } from '../support/seed';
import { createTestEnvironment, TestEnvironment } from '../support/test-environment';
import { startWorkerInProcess } from '../support/worker-process';

/** First attempts due now travel in group jobs; every wait, and every re-add by the sweeper, is a job of its own. */
describe('Delivering first attempts in group jobs', () => {
  let environment: TestEnvironment;
  let seeder: Seeder;
  let receiver: FakeReceiver;
  let worker: INestApplicationContext | undefined;

  beforeAll(async () => {
    // A long requeue delay: the sweeper leaves these deliveries alone, so the jobs seen are the ones enqueued here.
    environment = await createTestEnvironment({ IDEM_SWEEP_INTERVAL: '200ms', IDEM_REQUEUE_AFTER: '1h' });
    seeder = await Seeder.open(environment);
    receiver = await FakeReceiver.start();
  });

  afterEach(async () => {
    await worker?.close();
    worker = undefined;
  });

  afterAll(async () => {
    await receiver?.close();
    await seeder?.close();
    await environment?.dispose();
  });

  async function jobsIn(state: 'waiting' | 'delayed'): Promise<{ id: string; name: string; data: DeliveryJob | DeliveryGroupJob }[]> {
    const jobs = await seeder.queue.queue.getJobs([state]);
    return jobs.map((job) => ({ id: job.id!, name: job.name, data: job.data as DeliveryJob | DeliveryGroupJob }));
  }

  it('puts attempts due now in groups of up to 10, and delayed ones and re-adds in jobs of their own; each is sent once', async () => {
    const endpoint = await seeder.endpoint({ url: receiver.url });
    receiver.verifyWith(endpoint.secret);
    const deliveries = await seeder.messages(endpoint, 25, { enqueue: false });
    const [lone] = await seeder.messages(endpoint, 1, { enqueue: false });
    const attempts = deliveries.map(({ deliveryId }) => ({ deliveryId, attemptNumber: 1 }));

    await seeder.queue.enqueue(attempts);
    await seeder.queue.enqueue([{ deliveryId: lone.deliveryId, attemptNumber: 1 }]);
    // The same attempts again, as the sweeper adds them: BullMQ keeps one job per attempt id it already holds.
    await seeder.queue.enqueueEach(attempts.slice(0, 2));
    await seeder.queue.enqueueEach(attempts.slice(0, 2));
    await seeder.queue.enqueue([{ deliveryId: deliveries[0].deliveryId, attemptNumber: 2, delayMs: 60_000 }]);

    const waiting = await jobsIn('waiting');
    const groups = waiting.filter((job) => job.name === DELIVERY_GROUP_JOB).map((job) => (job.data as DeliveryGroupJob).deliveries);
    expect(groups.map((group) => group.length).sort()).toEqual([10, 10, 5]);
    expect(groups.flat()).toEqual(expect.arrayContaining(attempts));
    const single = waiting.filter((job) => job.name !== DELIVERY_GROUP_JOB).map((job) => job.id).sort();
    expect(single).toEqual([lone.deliveryId, deliveries[0].deliveryId, deliveries[1].deliveryId].map((deliveryId) => deliveryJobId({ deliveryId, attemptNumber: 1 })).sort());
    expect((await jobsIn('delayed')).map((job) => job.id)).toEqual([deliveryJobId({ deliveryId: deliveries[0].deliveryId, attemptNumber: 2 })]);

    worker = await startWorkerInProcess(environment.env);
    const all = [...deliveries, lone];
    await seeder.waitForStatus(all.map((d) => d.deliveryId), 'succeeded');
    // The first two were in a group and in jobs of their own at once: claimed once, sent once, recorded once.
    expect((await seeder.sendsAndAttempts(all, receiver)).every(({ sends, attempts }) => sends === 1 && attempts.join() === '1')).toBe(true);
    expect(receiver.received.every((webhook) => webhook.verified)).toBe(true);
  });

  it('keeps two groups that start with the same attempt, and sends that attempt once', async () => {
    const endpoint = await seeder.endpoint({ url: receiver.url });
    receiver.verifyWith(endpoint.secret);
    const [shared, second, third] = await seeder.messages(endpoint, 3, { enqueue: false });
    await seeder.queue.enqueue([shared, second].map(({ deliveryId }) => ({ deliveryId, attemptNumber: 1 })));
    await seeder.queue.enqueue([shared, third].map(({ deliveryId }) => ({ deliveryId, attemptNumber: 1 })));
    const groups = (await jobsIn('waiting')).filter((job) => job.name === DELIVERY_GROUP_JOB);
    expect(groups).toHaveLength(2);

    worker = await startWorkerInProcess(environment.env);
    await seeder.waitForStatus([shared, second, third].map((d) => d.deliveryId), 'succeeded');
    expect((await seeder.sendsAndAttempts([shared, second, third], receiver)).every(({ sends, attempts }) => sends === 1 && attempts.join() === '1')).toBe(true);
  });

  it("hands a throttled member back as a delayed job under its attempt's id and sends it at its slot", async () => {
    const endpoint = await seeder.endpoint({ url: receiver.url });
    receiver.verifyWith(endpoint.secret);
    await seeder.db.query('UPDATE endpoints SET rate_limit = 2 WHERE id = $1', [endpoint.endpointId]);
    worker = await startWorkerInProcess(environment.env);
    const before = receiver.received.length;
    const deliveries = await seeder.messages(endpoint, 5);

    // A burst of 2 (one second's worth at 2/s); the other three wait for their slots, each in its own delayed job.
    const ids = new Set(deliveries.map(({ deliveryId }) => deliveryJobId({ deliveryId, attemptNumber: 1 })));
    const deadline = Date.now() + 5_000;
    let delayed: string[] = [];
    while (delayed.length < 3 && Date.now() < deadline) {
      delayed = (await jobsIn('delayed')).map((job) => job.id).filter((id) => ids.has(id));
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(delayed).toHaveLength(3);

    await seeder.waitForStatus(deliveries.map((d) => d.deliveryId), 'succeeded');
    expect(receiver.received.length - before).toBe(5);
    expect((await seeder.sendsAndAttempts(deliveries, receiver)).every(({ sends, attempts }) => sends === 1 && attempts.join() === '1')).toBe(true);
  });
});
