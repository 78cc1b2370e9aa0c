import type { INestApplicationContext } from '@nestjs/common';
import { ApiSuite, startApiSuite, svixError } from '../api/support/api-suite';
import { until } from '../support/until';

/**
 * Svix's endpoint headers sent with every attempt to a real receiver, and the receiver's response
 * headers recorded on each attempt, against a running API and worker.
 */
describe('Endpoint headers and response headers, end to end', () => {
  let suite: ApiSuite;
  let worker: INestApplicationContext;

  beforeAll(async () => {
    // A requeue far off: the svix client's resend (it carries an Idempotency-Key) must be queued once its request commits, not rescued by the sweeper.
    suite = await startApiSuite({ IDEM_RETRY_SCHEDULE: '1h', IDEM_SWEEP_INTERVAL: '200ms', IDEM_REQUEUE_AFTER: '60s' });
    const { createWorkerApp } = await import('../../apps/worker/src/worker-app');
    worker = await createWorkerApp();
  });

  afterAll(async () => {
    await worker?.close();
    await suite?.close();
  });

  const attemptsOf = async (appId: string, messageId: string) => (await suite.svix.messageAttempt.listByMsg(appId, messageId)).data;
  const oneAttempt = async (appId: string, messageId: string, attemptId: string) =>
    (await suite.request('GET', `/api/v1/app/${appId}/msg/${messageId}/attempt/${attemptId}`)).body;

  it('sends the headers with scheduled and manual attempts, signatures still verifying, and records credentials redacted', async () => {
    const { receiver, app, endpoint } = await suite.endpointReceiving(() => ({ status: 200, body: 'ok' }));
    receiver.verifyWith((await suite.svix.endpoint.getSecret(app.id, endpoint.id)).key);
    await suite.svix.endpoint.updateHeaders(app.id, endpoint.id, { headers: { 'X-Tenant': 'acme', Authorization: 'Bearer s3cret-token' } });
    // Refused names never reach the receiver: the API keeps them out.
    expect((await svixError(suite.svix.endpoint.patchHeaders(app.id, endpoint.id, { headers: { 'webhook-signature': 'v1,forged' } }))).code).toBe(422);

    const message = await suite.svix.message.create(app.id, { eventType: 'order.paid', payload: { order: 1 } });
    await until(async () => (await suite.deliveryOf(message.id))?.status === 'succeeded', 'the scheduled attempt recorded');
    await suite.svix.messageAttempt.resend(app.id, message.id, endpoint.id);
    await receiver.waitFor((received) => received.length === 2);

    for (const webhook of receiver.received) {
      expect(webhook.verified).toBe(true);
      expect(webhook.headers).toMatchObject({ 'x-tenant': 'acme', authorization: 'Bearer s3cret-token', 'webhook-id': message.id, 'content-type': 'application/json' });
    }
    await until(async () => (await attemptsOf(app.id, message.id)).length === 2, 'both attempts recorded');
    for (const attempt of await attemptsOf(app.id, message.id)) {
      const { requestHeaders } = await oneAttempt(app.id, message.id, attempt.id);
      expect(requestHeaders).toMatchObject({ 'X-Tenant': 'acme', Authorization: '[redacted]', 'webhook-signature': '[redacted]' });
    }
    const { rows } = await suite.db.query(`SELECT 1 FROM attempts t WHERE t::text LIKE '%s3cret-token%'`);
    expect(rows).toEqual([]);
  });

  it('records the response headers, bounded and with cookies redacted, and expunges them with the response body', async () => {
    const many = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`x-filler-${i}`, 'f']));
    const { receiver, app } = await suite.endpointReceiving(() => ({
      status: 200,
      body: 'receipt',
      headers: { 'X-Request-Id': 'req-7', 'Set-Cookie': 'session=abc123', ...many },
    }));
    const message = await suite.svix.message.create(app.id, { eventType: 'order.paid', payload: { order: 2 } });
    await receiver.waitFor((received) => received.length === 1);
    await until(async () => (await attemptsOf(app.id, message.id)).length === 1, 'the attempt recorded');
    const [attempt] = await attemptsOf(app.id, message.id);

    const { responseHeaders } = await oneAttempt(app.id, message.id, attempt.id);
    expect(responseHeaders).toMatchObject({ 'x-request-id': 'req-7', 'set-cookie': '[redacted]' });
    expect(Object.keys(responseHeaders)).toHaveLength(50);
    expect(JSON.stringify(responseHeaders)).not.toContain('abc123');

    await suite.svix.messageAttempt.expungeContent(app.id, message.id, attempt.id);
    expect(await oneAttempt(app.id, message.id, attempt.id)).toMatchObject({ response: 'EXPUNGED', responseHeaders: null });
  });

  it("expunges an attempt's response headers with the message's payload", async () => {
    const { receiver, app } = await suite.endpointReceiving(() => ({ status: 200, body: 'ok', headers: { 'X-Receipt': 'r-1' } }));
    const message = await suite.svix.message.create(app.id, { eventType: 'order.paid', payload: { order: 3 } });
    await receiver.waitFor((received) => received.length === 1);
    await until(async () => (await attemptsOf(app.id, message.id)).length === 1, 'the attempt recorded');
    const [attempt] = await attemptsOf(app.id, message.id);
    expect((await oneAttempt(app.id, message.id, attempt.id)).responseHeaders).toMatchObject({ 'x-receipt': 'r-1' });

    await suite.svix.message.expungeContent(app.id, message.id);

    expect(await oneAttempt(app.id, message.id, attempt.id)).toMatchObject({ response: 'EXPUNGED', responseHeaders: null });
  });

  it('records no response headers when no response came', async () => {
    const app = await suite.svix.application.create({ name: 'unreachable' });
    await suite.svix.endpoint.create(app.id, { url: 'http://127.0.0.1:9/closed' });
    const message = await suite.svix.message.create(app.id, { eventType: 'order.paid', payload: { order: 4 } });
    await until(async () => (await attemptsOf(app.id, message.id)).length === 1, 'the attempt recorded');
    const [attempt] = await attemptsOf(app.id, message.id);
    expect(await oneAttempt(app.id, message.id, attempt.id)).toMatchObject({ responseStatusCode: 0, responseHeaders: null });
  });
});
