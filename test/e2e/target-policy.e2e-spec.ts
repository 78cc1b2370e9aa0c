import type { INestApplicationContext } from '@nestjs/common';
import { ApiSuite, startApiSuite } from '../api/support/api-suite';
import { FakeReceiver } from '../support/fake-receiver';

/**
 * With private targets forbidden (the default), a hostname that resolves to a loopback address is refused
 * when the endpoint is saved, and again by the worker at every connection, which records why. Everything
 * here stays on loopback: the receiver is a canary that must stay silent.
 */
describe('Target policy at delivery time', () => {
  let suite: ApiSuite;
  let worker: INestApplicationContext;
  let canary: FakeReceiver;

  beforeAll(async () => {
    suite = await startApiSuite({ IDEM_ALLOW_PRIVATE_TARGETS: 'false', IDEM_RETRY_SCHEDULE: '100ms' });
    const { createWorkerApp } = await import('../../apps/worker/src/worker-app');
    worker = await createWorkerApp();
    canary = await FakeReceiver.start();
  });

  afterAll(async () => {
    await worker?.close();
    await canary?.close();
    await suite?.close();
  });

  it('refuses to save an endpoint whose hostname resolves to loopback, saying why and what would allow it', async () => {
    const app = await suite.svix.application.create({ name: 'ssrf-save' });
    const url = canary.url.replace('127.0.0.1', 'localhost');

    const created = await suite.request('POST', `/api/v1/app/${app.id}/endpoint`, { body: { url } });

    expect(created.status).toBe(422);
    expect(created.body.detail).toEqual([
      { loc: ['body', 'url'], msg: expect.stringMatching(/^localhost resolves to loopback address .*IDEM_ALLOW_PRIVATE_TARGETS/), type: 'value_error.url.target' },
    ]);
  });

  it('refuses a hostname that resolves to loopback at delivery, records the reason, and never connects', async () => {
    const app = await suite.svix.application.create({ name: 'ssrf' });
    const created = await suite.request('POST', `/api/v1/app/${app.id}/endpoint`, { body: { url: 'https://hooks.example.com/' } });
    expect(created.status).toBe(201);
    // The name pointed elsewhere when it was saved; now it resolves to loopback (DNS rebinding, or a changed record).
    await suite.db.query('UPDATE endpoints SET url = $1 WHERE id = $2', [canary.url.replace('127.0.0.1', 'localhost'), created.body.id]);
    const message = await suite.svix.message.create(app.id, { eventType: 'a', payload: {} });

    const deadline = Date.now() + 10_000;
    let attempts = await suite.svix.messageAttempt.listByMsg(app.id, message.id);
    while (attempts.data.length < 2 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      attempts = await suite.svix.messageAttempt.listByMsg(app.id, message.id);
    }
    expect(attempts.data).toHaveLength(2);
    // The svix client drops Idem's extra fields, so read `error` from the raw answer.
    const raw = await suite.request('GET', `/api/v1/app/${app.id}/attempt/msg/${message.id}`);
    for (const attempt of raw.body.data) {
      expect([attempt.status, attempt.responseStatusCode]).toEqual([2, 0]);
      expect(attempt.error).toMatch(/^refused: localhost resolves to loopback address .*IDEM_ALLOW_PRIVATE_TARGETS=true/);
    }
    expect(canary.received).toHaveLength(0);
  });
});
