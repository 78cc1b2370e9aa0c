import type { INestApplicationContext } from '@nestjs/common';
import { ApiSuite, startApiSuite } from '../api/support/api-suite';
import { FakeReceiver } from '../support/fake-receiver';
import { until } from '../support/until';
import { itKeepsEndpointCountersExact } from '../support/endpoint-counters';

/** Recovering an endpoint resends what failed, follows it as a background task, and is safe to ask twice. */
describe('Endpoint recovery', () => {
  let suite: ApiSuite;
  let worker: INestApplicationContext;
  let receiver: FakeReceiver;

  beforeAll(async () => {
    suite = await startApiSuite({ IDEM_RETRY_SCHEDULE: '50ms', IDEM_SWEEP_INTERVAL: '200ms' });
    const { createWorkerApp } = await import('../../apps/worker/src/worker-app');
    worker = await createWorkerApp();
    receiver = await FakeReceiver.start(() => ({ status: 500 }));
  });

  afterAll(async () => {
    await worker?.close();
    await receiver?.close();
    await suite?.close();
  });

  it('resends every failed message since a time, once, even when asked twice', async () => {
    const app = await suite.svix.application.create({ name: 'recover' });
    const endpoint = await suite.svix.endpoint.create(app.id, { url: receiver.url });
    const before = await suite.svix.message.create(app.id, { eventType: 'a', payload: { n: 0 } });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const since = new Date();
    const failed: string[] = [];
    for (let n = 1; n <= 5; n++) failed.push((await suite.svix.message.create(app.id, { eventType: 'a', payload: { n } })).id);
    const deadline = Date.now() + 10_000;
    while ((await suite.count('deliveries', "status = 'failed'")) < 6) {
      if (Date.now() > deadline) throw new Error('deliveries did not fail');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    receiver.behaviour = () => ({ status: 200 });
    const requestsBefore = receiver.received.length;

    const first = await suite.svix.endpoint.recover(app.id, endpoint.id, { since });
    const second = await suite.svix.endpoint.recover(app.id, endpoint.id, { since });
    expect([first.status, first.task]).toEqual(['running', 'endpoint.recover']);

    let task = await suite.svix.backgroundTask.get(first.id);
    const taskDeadline = Date.now() + 10_000;
    while (task.status === 'running' && Date.now() < taskDeadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      task = await suite.svix.backgroundTask.get(first.id);
    }
    expect(task.status).toBe('finished');
    expect(task.data).toMatchObject({ total: 5, done: 5 });
    expect(task.data).toMatchObject({ requestedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
    // A task that found nothing to resend still says when it was asked, and is finished at once.
    expect((await suite.svix.backgroundTask.get(second.id)).data).toMatchObject({ total: 0, requestedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });

    const resent = receiver.received.slice(requestsBefore).map((webhook) => String(webhook.headers['webhook-id']));
    expect(resent.sort()).toEqual([...failed].sort());
    const { rows } = await suite.db.query<{ message_id: string; status: string }>('SELECT message_id, status FROM deliveries ORDER BY message_id');
    expect(rows.find((row) => row.message_id === before.id)?.status).toBe('failed');
    expect(rows.filter((row) => failed.includes(row.message_id)).every((row) => row.status === 'succeeded')).toBe(true);
  });

  it('resends what was canceled while the endpoint was disabled and what waits for a retry', async () => {
    receiver.behaviour = () => ({ status: 500 });
    const app = await suite.svix.application.create({ name: 'recover-all-failed' });
    const endpoint = await suite.svix.endpoint.create(app.id, { url: receiver.url });
    const since = new Date();
    const retrying = (await suite.svix.message.create(app.id, { eventType: 'a', payload: { n: 'retrying' } })).id;
    const canceled = (await suite.svix.message.create(app.id, { eventType: 'a', payload: { n: 'canceled' } })).id;
    await until(async () => (await suite.deliveryOf(retrying))?.status === 'failed' && (await suite.deliveryOf(canceled))?.status === 'failed', 'the deliveries to fail');
    // As if the retry schedule were long (an attempt failed, the next is an hour away), and as if the
    // endpoint had been disabled when the other's retry came due.
    await suite.db.query(`UPDATE deliveries SET status = 'pending', next_attempt_at = now() + interval '1 hour' WHERE message_id = $1`, [retrying]);
    await suite.db.query(`UPDATE deliveries SET status = 'canceled' WHERE message_id = $1`, [canceled]);
    receiver.behaviour = () => ({ status: 200 });
    const requestsBefore = receiver.received.length;

    const recovery = await suite.svix.endpoint.recover(app.id, endpoint.id, { since });
    await until(async () => (await suite.svix.backgroundTask.get(recovery.id)).status === 'finished', 'the recovery to finish');

    expect((await suite.svix.backgroundTask.get(recovery.id)).data).toMatchObject({ total: 2, done: 2 });
    const resent = receiver.received.slice(requestsBefore).map((webhook) => String(webhook.headers['webhook-id']));
    expect(resent.sort()).toEqual([retrying, canceled].sort());
    expect((await suite.deliveryOf(retrying)).status).toBe('succeeded');
    expect((await suite.deliveryOf(canceled)).status).toBe('succeeded');
  });

  it('refuses an until before since', async () => {
    const app = await suite.svix.application.create({ name: 'recover-bad' });
    const endpoint = await suite.svix.endpoint.create(app.id, { url: receiver.url });
    const response = await suite.request('POST', `/api/v1/app/${app.id}/endpoint/${endpoint.id}/recover`, {
      body: { since: '2026-01-02T00:00:00Z', until: '2026-01-01T00:00:00Z' },
    });
    expect(response.status).toBe(422);
    // The three tasks of the tests before; none was added.
    expect(await suite.count('background_tasks')).toBe(3);
  });

  // Runs last: after every retry, failure, resend, cancel and supersede above.
  itKeepsEndpointCountersExact(() => suite.db);
});
