import type { INestApplicationContext } from '@nestjs/common';
import { ApiSuite, startApiSuite, svixError } from '../api/support/api-suite';
import { FakeReceiver } from '../support/fake-receiver';
import { itKeepsEndpointCountersExact } from '../support/endpoint-counters';

describe('Resending a message to an endpoint', () => {
  let suite: ApiSuite;
  let worker: INestApplicationContext | undefined;
  const receivers: FakeReceiver[] = [];

  const startWorker = async () => {
    const { createWorkerApp } = await import('../../apps/worker/src/worker-app');
    worker = await createWorkerApp();
  };

  beforeAll(async () => {
    suite = await startApiSuite({ IDEM_RETRY_SCHEDULE: '100ms', IDEM_SWEEP_INTERVAL: '200ms', IDEM_REQUEUE_AFTER: '1s' });
    await startWorker();
  });

  afterAll(async () => {
    await worker?.close();
    await Promise.all(receivers.map((receiver) => receiver.close()));
    await suite?.close();
  });

  async function failedDelivery() {
    const receiver = await FakeReceiver.start(() => ({ status: 500, body: 'down' }));
    receivers.push(receiver);
    const app = await suite.svix.application.create({ name: 'resend' });
    const endpoint = await suite.svix.endpoint.create(app.id, { url: receiver.url });
    receiver.verifyWith((await suite.svix.endpoint.getSecret(app.id, endpoint.id)).key);
    const message = await suite.svix.message.create(app.id, { eventType: 'invoice.failed', payload: { invoice: 1 } });
    await waitForDelivery(message.id, 'failed');
    return { receiver, app, endpoint, message };
  }

  async function deliveryOf(messageId: string) {
    const { rows } = await suite.db.query<{ status: string; scheduled_attempts: number }>('SELECT status, scheduled_attempts FROM deliveries WHERE message_id = $1', [messageId]);
    return rows[0];
  }

  async function waitForDelivery(messageId: string, status: string) {
    const deadline = Date.now() + 15_000;
    while ((await deliveryOf(messageId))?.status !== status) {
      if (Date.now() > deadline) throw new Error(`delivery of ${messageId} is ${(await deliveryOf(messageId))?.status}, not ${status}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async function attemptsOf(appId: string, messageId: string, count: number) {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const attempts = await suite.svix.messageAttempt.listByMsg(appId, messageId);
      if (attempts.data.length >= count || Date.now() > deadline) return attempts.data;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  it('makes a manual attempt that delivers a failed message, logged as manual, without touching the schedule', async () => {
    const { receiver, app, endpoint, message } = await failedDelivery();
    receiver.behaviour = () => ({ status: 200, body: 'back up' });

    await suite.svix.messageAttempt.resend(app.id, message.id, endpoint.id);

    const [manual, ...scheduled] = await attemptsOf(app.id, message.id, 3);
    expect(scheduled.map((attempt) => attempt.triggerType)).toEqual([0, 0]);
    expect([manual.triggerType, manual.status, manual.responseStatusCode, manual.response]).toEqual([1, 0, 200, 'back up']);
    expect(receiver.received.at(-1)?.headers['webhook-id']).toBe(message.id);
    expect(receiver.received.every((webhook) => webhook.verified)).toBe(true);
    await waitForDelivery(message.id, 'succeeded');
    expect((await deliveryOf(message.id)).scheduled_attempts).toBe(2);
  });

  it('a failed manual attempt leaves the delivery as it was', async () => {
    const { app, endpoint, message } = await failedDelivery();
    await suite.svix.messageAttempt.resend(app.id, message.id, endpoint.id);
    const [manual] = await attemptsOf(app.id, message.id, 3);
    expect([manual.triggerType, manual.status]).toEqual([1, 2]);
    expect(await deliveryOf(message.id)).toEqual({ status: 'failed', scheduled_attempts: 2 });
  });

  it('still happens when its job is lost from Redis', async () => {
    const { receiver, app, endpoint, message } = await failedDelivery();
    receiver.behaviour = () => ({ status: 200 });
    await worker!.close();
    worker = undefined;
    await suite.svix.messageAttempt.resend(app.id, message.id, endpoint.id);
    expect(await suite.environment.flushQueueKeys()).toBeGreaterThan(0);
    await startWorker();
    await waitForDelivery(message.id, 'succeeded');
    const [manual] = await attemptsOf(app.id, message.id, 3);
    expect([manual.triggerType, manual.status]).toEqual([1, 0]);
  });

  it('is 404 for an endpoint the message was never sent to', async () => {
    const { app, message } = await failedDelivery();
    const other = await suite.svix.endpoint.create(app.id, { url: 'http://127.0.0.1:9/never', filterTypes: ['something.else'] });
    const { code, body } = await svixError(suite.svix.messageAttempt.resend(app.id, message.id, other.id));
    expect(code).toBe(404);
    expect(body.code).toBe('not_found');
  });

  // Runs last: after every retry, failure, resend, cancel and supersede above.
  itKeepsEndpointCountersExact(() => suite.db);
});
