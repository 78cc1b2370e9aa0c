import type { INestApplicationContext } from '@nestjs/common';
import { ApiSuite, startApiSuite } from '../api/support/api-suite';
import { FakeReceiver } from '../support/fake-receiver';

/** Browsing what happened to messages, through the svix client, on deliveries a real worker made. */
describe('Delivery log', () => {
  let suite: ApiSuite;
  let worker: INestApplicationContext;
  let healthy: FakeReceiver;
  let broken: FakeReceiver;
  let appId: string;
  let healthyEndpointId: string;
  let brokenEndpointId: string;
  let invoiceId: string;
  let userId: string;

  beforeAll(async () => {
    suite = await startApiSuite({ IDEM_RETRY_SCHEDULE: '100ms' });
    const { createWorkerApp } = await import('../../apps/worker/src/worker-app');
    worker = await createWorkerApp();
    healthy = await FakeReceiver.start(() => ({ status: 200, body: 'ok' }));
    broken = await FakeReceiver.start(() => ({ status: 503, body: 'maintenance' }));
    const app = await suite.svix.application.create({ name: 'log' });
    appId = app.id;
    healthyEndpointId = (await suite.svix.endpoint.create(appId, { url: healthy.url })).id;
    brokenEndpointId = (await suite.svix.endpoint.create(appId, { url: broken.url })).id;
    invoiceId = (await suite.svix.message.create(appId, { eventType: 'invoice.paid', payload: { invoice: 1 } })).id;
    userId = (await suite.svix.message.create(appId, { eventType: 'user.created', payload: { user: 1 } })).id;
    // Two messages × (one success + two failures).
    const deadline = Date.now() + 15_000;
    while ((await suite.count('deliveries', "status IN ('succeeded', 'failed')")) < 4) {
      if (Date.now() > deadline) throw new Error('deliveries did not finish');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });

  afterAll(async () => {
    await worker?.close();
    await healthy?.close();
    await broken?.close();
    await suite?.close();
  });

  it("lists an endpoint's attempts, filtered by status, status code class and event type", async () => {
    const failed = await suite.svix.messageAttempt.listByEndpoint(appId, brokenEndpointId, { status: 2 });
    expect(failed.data).toHaveLength(4);
    expect(failed.data.every((attempt) => attempt.responseStatusCode === 503 && attempt.endpointId === brokenEndpointId)).toBe(true);

    expect((await suite.svix.messageAttempt.listByEndpoint(appId, brokenEndpointId, { status: 0 })).data).toHaveLength(0);
    expect((await suite.svix.messageAttempt.listByEndpoint(appId, healthyEndpointId, { statusCodeClass: 200 })).data).toHaveLength(2);
    expect((await suite.svix.messageAttempt.listByEndpoint(appId, healthyEndpointId, { statusCodeClass: 500 })).data).toHaveLength(0);

    const invoices = await suite.svix.messageAttempt.listByEndpoint(appId, brokenEndpointId, { eventTypes: ['invoice.paid'] });
    expect(invoices.data.map((attempt) => attempt.msgId)).toEqual([invoiceId, invoiceId]);
  });

  it('filters attempts by time', async () => {
    const all = await suite.svix.messageAttempt.listByEndpoint(appId, brokenEndpointId);
    // An attempt's timestamp is when its request went out, its id when its batch was recorded: the
    // oldest attempt is the one with the earliest timestamp, not necessarily the smallest id.
    const oldest = all.data.reduce((earliest, attempt) => (attempt.timestamp < earliest.timestamp ? attempt : earliest));
    const after = await suite.svix.messageAttempt.listByEndpoint(appId, brokenEndpointId, { after: oldest.timestamp });
    expect(after.data.map((attempt) => attempt.id)).not.toContain(oldest.id);
    // Attempts made in the same millisecond share a timestamp, and `after` is exclusive.
    const later = all.data.filter((attempt) => attempt.timestamp.getTime() > oldest.timestamp.getTime());
    expect(after.data.map((attempt) => attempt.id).sort()).toEqual(later.map((attempt) => attempt.id).sort());
    expect(later.length).toBeGreaterThan(0);
    expect((await suite.svix.messageAttempt.listByEndpoint(appId, brokenEndpointId, { before: oldest.timestamp })).data).toHaveLength(0);
  });

  it('lists the endpoints a message went to, with where each delivery stands', async () => {
    const destinations = await suite.svix.messageAttempt.listAttemptedDestinations(appId, invoiceId);
    const statusOf = new Map(destinations.data.map((destination) => [destination.id, [destination.status, destination.statusText]]));
    expect(statusOf.get(healthyEndpointId)).toEqual([0, 'success']);
    expect(statusOf.get(brokenEndpointId)).toEqual([2, 'fail']);
  });

  it('shows one attempt with the headers it was sent with, the signature redacted', async () => {
    const [attempt] = (await suite.svix.messageAttempt.listByMsg(appId, userId, { endpointId: healthyEndpointId })).data;
    const response = await suite.request('GET', `/api/v1/app/${appId}/msg/${userId}/attempt/${attempt.id}`);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ id: attempt.id, msgId: userId, responseStatusCode: 200, response: 'ok' });
    expect(response.body.requestHeaders['webhook-id']).toBe(userId);
    expect(response.body.requestHeaders['webhook-signature']).toBe('[redacted]');
    expect(JSON.stringify(response.body)).not.toMatch(/v1,[A-Za-z0-9+/=]{20,}/);
  });

  it('answers 404 for an attempt of another message', async () => {
    const [attempt] = (await suite.svix.messageAttempt.listByMsg(appId, userId)).data;
    const response = await suite.request('GET', `/api/v1/app/${appId}/msg/${invoiceId}/attempt/${attempt.id}`);
    expect(response.status).toBe(404);
    expect(response.body.code).toBe('not_found');
  });
});
