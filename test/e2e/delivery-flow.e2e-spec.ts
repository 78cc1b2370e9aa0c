import type { INestApplicationContext } from '@nestjs/common';
import { ApiSuite, startApiSuite } from '../api/support/api-suite';
import { FakeReceiver } from '../support/fake-receiver';
import { itKeepsEndpointCountersExact } from '../support/endpoint-counters';

/** The whole path a user relies on: the svix client → Idem's API → Postgres → BullMQ → worker → a real receiver. */
describe('Delivery end to end through the svix client', () => {
  let suite: ApiSuite;
  let worker: INestApplicationContext;
  const receivers: FakeReceiver[] = [];

  beforeAll(async () => {
    suite = await startApiSuite({ IDEM_RETRY_SCHEDULE: '200ms,400ms,800ms', IDEM_SWEEP_INTERVAL: '200ms', IDEM_REQUEUE_AFTER: '1s' });
    const { createWorkerApp } = await import('../../apps/worker/src/worker-app');
    worker = await createWorkerApp();
  });

  afterAll(async () => {
    await worker?.close();
    await Promise.all(receivers.map((receiver) => receiver.close()));
    await suite?.close();
  });

  async function endpointWithReceiver(appId: string, options: { filterTypes?: string[]; channels?: string[] } = {}) {
    const receiver = await FakeReceiver.start();
    receivers.push(receiver);
    const endpoint = await suite.svix.endpoint.create(appId, { url: receiver.url, ...options });
    receiver.verifyWith((await suite.svix.endpoint.getSecret(appId, endpoint.id)).key);
    return { receiver, endpoint };
  }

  it('delivers each event to exactly the endpoints subscribed to it, signed so standardwebhooks verifies it', async () => {
    const app = await suite.svix.application.create({ name: 'fan-out' });
    const invoices = await endpointWithReceiver(app.id, { filterTypes: ['invoice.paid'] });
    const everything = await endpointWithReceiver(app.id);
    const users = await endpointWithReceiver(app.id, { filterTypes: ['user.created'] });
    const europe = await endpointWithReceiver(app.id, { channels: ['eu'] });

    const invoice = await suite.svix.message.create(app.id, { eventType: 'invoice.paid', payload: { invoice: 42 } });
    const user = await suite.svix.message.create(app.id, { eventType: 'user.created', payload: { user: 'ada' }, channels: ['eu'] });

    await everything.receiver.waitFor((received) => received.length === 2);
    await invoices.receiver.waitFor((received) => received.length === 1);
    await users.receiver.waitFor((received) => received.length === 1);
    await europe.receiver.waitFor((received) => received.length === 1);
    // Give a wrongly routed delivery the time to show up before asserting it did not.
    await new Promise((resolve) => setTimeout(resolve, 500));

    const idsAt = (receiver: FakeReceiver) => receiver.received.map((webhook) => webhook.headers['webhook-id']).sort();
    expect(idsAt(invoices.receiver)).toEqual([invoice.id]);
    expect(idsAt(everything.receiver)).toEqual([invoice.id, user.id].sort());
    expect(idsAt(users.receiver)).toEqual([user.id]);
    expect(idsAt(europe.receiver)).toEqual([user.id]);
    for (const receiver of receivers.slice(-4)) {
      for (const webhook of receiver.received) {
        expect(webhook.verified).toBe(true);
        const message = webhook.headers['webhook-id'] === invoice.id ? invoice : user;
        expect(JSON.parse(webhook.body)).toEqual(message.payload);
      }
    }
  });

  it('retries a failing receiver with the same webhook-id until it succeeds, and lists every attempt', async () => {
    const app = await suite.svix.application.create({ name: 'retries' });
    const { receiver, endpoint } = await endpointWithReceiver(app.id);
    receiver.behaviour = (_, index) => (index < 2 ? { status: 500, body: `failure ${index + 1}` } : { status: 200, body: 'finally' });

    const message = await suite.svix.message.create(app.id, { eventType: 'order.shipped', payload: { order: 7 } });
    await receiver.waitFor((received) => received.length === 3);

    expect(receiver.received.map((webhook) => webhook.headers['webhook-id'])).toEqual([message.id, message.id, message.id]);
    expect(receiver.received.every((webhook) => webhook.verified)).toBe(true);
    // Every attempt is signed afresh: the timestamps move on, the body does not.
    expect(new Set(receiver.received.map((webhook) => webhook.body)).size).toBe(1);

    let attempts = await suite.svix.messageAttempt.listByMsg(app.id, message.id);
    const deadline = Date.now() + 5000;
    while (attempts.data.length < 3 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      attempts = await suite.svix.messageAttempt.listByMsg(app.id, message.id);
    }
    expect(attempts.data.map((attempt) => [attempt.responseStatusCode, attempt.status, attempt.response])).toEqual([
      [200, 0, 'finally'],
      [500, 2, 'failure 2'],
      [500, 2, 'failure 1'],
    ]);
    expect(attempts.data.every((attempt) => attempt.endpointId === endpoint.id && attempt.url === receiver.url)).toBe(true);
  });

  // Runs last: after every retry, failure, resend, cancel and supersede above.
  itKeepsEndpointCountersExact(() => suite.db);
});
