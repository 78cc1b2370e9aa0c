import type { INestApplicationContext } from '@nestjs/common';
import { ApiSuite, startApiSuite } from '../api/support/api-suite';
import { FakeReceiver } from '../support/fake-receiver';

/** Endpoints that are gone or keep failing are disabled automatically, with the reason recorded. */
describe('Endpoint health', () => {
  let suite: ApiSuite;
  let worker: INestApplicationContext;
  const receivers: FakeReceiver[] = [];

  beforeAll(async () => {
    suite = await startApiSuite({ IDEM_RETRY_SCHEDULE: '300ms,300ms,300ms,300ms,300ms,300ms', IDEM_DISABLE_AFTER: '1s' });
    const { createWorkerApp } = await import('../../apps/worker/src/worker-app');
    worker = await createWorkerApp();
  });

  afterAll(async () => {
    await worker?.close();
    await Promise.all(receivers.map((receiver) => receiver.close()));
    await suite?.close();
  });

  async function endpointAnswering(status: number) {
    const receiver = await FakeReceiver.start(() => ({ status }));
    receivers.push(receiver);
    const app = await suite.svix.application.create({ name: `answers ${status}` });
    const endpoint = await suite.svix.endpoint.create(app.id, { url: receiver.url });
    return { receiver, app, endpoint };
  }

  async function waitUntilDisabled(appId: string, endpointId: string, timeoutMs: number) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const response = await suite.request('GET', `/api/v1/app/${appId}/endpoint/${endpointId}`);
      if (response.body.disabled) return response.body as { disabled: boolean; disabledReason: string };
      if (Date.now() > deadline) throw new Error(`endpoint ${endpointId} still enabled`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  it('disables an endpoint that answers 410 Gone at once, and sends it nothing more', async () => {
    const { receiver, app, endpoint } = await endpointAnswering(410);
    await suite.svix.message.create(app.id, { eventType: 'a', payload: {} });
    const disabled = await waitUntilDisabled(app.id, endpoint.id, 5000);
    expect(disabled.disabledReason).toBe('The endpoint answered 410 Gone');
    expect(receiver.received).toHaveLength(1);

    await suite.svix.message.create(app.id, { eventType: 'a', payload: {} });
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(receiver.received).toHaveLength(1);
  });

  it('disables an endpoint that fails without a success for IDEM_DISABLE_AFTER', async () => {
    const { app, endpoint } = await endpointAnswering(500);
    await suite.svix.message.create(app.id, { eventType: 'a', payload: {} });
    const disabled = await waitUntilDisabled(app.id, endpoint.id, 8000);
    expect(disabled.disabledReason).toMatch(/^Every attempt failed since \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it('keeps an endpoint whose failures are broken by successes, and re-enabling clears the reason', async () => {
    const receiver = await FakeReceiver.start((_, index) => ({ status: index % 2 === 0 ? 500 : 200 }));
    receivers.push(receiver);
    const app = await suite.svix.application.create({ name: 'flaky' });
    const endpoint = await suite.svix.endpoint.create(app.id, { url: receiver.url });
    for (let i = 0; i < 4; i++) {
      await suite.svix.message.create(app.id, { eventType: 'a', payload: { i } });
      await new Promise((resolve) => setTimeout(resolve, 400));
    }
    await receiver.waitFor((received) => received.length >= 8);
    expect((await suite.svix.endpoint.get(app.id, endpoint.id)).disabled).toBe(false);

    const gone = await endpointAnswering(410);
    await suite.svix.message.create(gone.app.id, { eventType: 'a', payload: {} });
    await waitUntilDisabled(gone.app.id, gone.endpoint.id, 5000);
    await suite.svix.endpoint.patch(gone.app.id, gone.endpoint.id, { disabled: false });
    const enabled = await suite.request('GET', `/api/v1/app/${gone.app.id}/endpoint/${gone.endpoint.id}`);
    expect([enabled.body.disabled, enabled.body.disabledReason]).toEqual([false, null]);
  });
});
