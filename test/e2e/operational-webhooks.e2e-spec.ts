import { generateSigningSecret } from '@app/core';
import type { INestApplicationContext } from '@nestjs/common';
import { ApiSuite, startApiSuite } from '../api/support/api-suite';
import { FakeReceiver } from '../support/fake-receiver';

/** Idem tells an operator URL, signed like any webhook, when deliveries fail, give up, recover, or an endpoint is disabled. */
describe('Operational webhooks', () => {
  let suite: ApiSuite;
  let worker: INestApplicationContext;
  let operator: FakeReceiver;
  const receivers: FakeReceiver[] = [];

  beforeAll(async () => {
    operator = await FakeReceiver.start();
    const secret = generateSigningSecret();
    operator.verifyWith(secret);
    suite = await startApiSuite({
      IDEM_RETRY_SCHEDULE: '50ms,50ms,50ms,50ms,50ms',
      IDEM_OPERATIONAL_WEBHOOK_URL: operator.url,
      IDEM_OPERATIONAL_WEBHOOK_SECRET: secret,
    });
    const { createWorkerApp } = await import('../../apps/worker/src/worker-app');
    worker = await createWorkerApp();
  });

  afterAll(async () => {
    await worker?.close();
    await Promise.all([operator, ...receivers].map((receiver) => receiver?.close()));
    await suite?.close();
  });

  const events = () => operator.received.map((webhook) => ({ verified: webhook.verified, ...(JSON.parse(webhook.body) as { type: string; data: Record<string, any> }) }));

  async function endpointAnswering(name: string, answer: (index: number) => number) {
    const receiver = await FakeReceiver.start((_, index) => ({ status: answer(index) }));
    receivers.push(receiver);
    const app = await suite.svix.application.create({ name, uid: name });
    const endpoint = await suite.svix.endpoint.create(app.id, { url: receiver.url, uid: `${name}-endpoint` });
    return { app, endpoint };
  }

  it('reports failing after the fourth failed attempt, then exhausted after the last', async () => {
    const { app, endpoint } = await endpointAnswering('always-down', () => 500);
    const message = await suite.svix.message.create(app.id, { eventType: 'a', eventId: 'order-1', payload: {} });
    await operator.waitFor(() => events().some((event) => event.type === 'message.attempt.exhausted' && event.data.msgId === message.id));

    const mine = events().filter((event) => event.data.msgId === message.id);
    expect(mine.map((event) => event.type)).toEqual(['message.attempt.failing', 'message.attempt.exhausted']);
    expect(mine.every((event) => event.verified)).toBe(true);
    expect(mine[1].data).toMatchObject({ appId: app.id, appUid: 'always-down', msgId: message.id, msgEventId: 'order-1', endpointId: endpoint.id });
    expect(mine[1].data.lastAttempt).toMatchObject({ responseStatusCode: 500 });
    expect(mine[1].data.lastAttempt.id).toMatch(/^atmpt_/);
  });

  it('reports recovered when a failing delivery finally succeeds', async () => {
    const { app } = await endpointAnswering('comes-back', (index) => (index < 5 ? 503 : 200));
    const message = await suite.svix.message.create(app.id, { eventType: 'a', payload: {} });
    await operator.waitFor(() => events().some((event) => event.type === 'message.attempt.recovered' && event.data.msgId === message.id));
    expect(events().filter((event) => event.data.msgId === message.id).map((event) => event.type)).toEqual([
      'message.attempt.failing',
      'message.attempt.recovered',
    ]);
  });

  it('reports endpoint.disabled when an endpoint is disabled automatically', async () => {
    const { app, endpoint } = await endpointAnswering('gone', () => 410);
    await suite.svix.message.create(app.id, { eventType: 'a', payload: {} });
    await operator.waitFor(() => events().some((event) => event.type === 'endpoint.disabled' && event.data.endpointId === endpoint.id));
    const disabled = events().find((event) => event.type === 'endpoint.disabled')!;
    expect(disabled.verified).toBe(true);
    expect(disabled.data).toMatchObject({ appId: app.id, appUid: 'gone', endpointId: endpoint.id, endpointUid: 'gone-endpoint', trigger: 'automatic' });
  });
});
