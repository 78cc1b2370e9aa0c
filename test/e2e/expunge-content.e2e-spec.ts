import { newId } from '@app/core';
import type { INestApplicationContext } from '@nestjs/common';
import { ApiSuite, startApiSuite, svixError } from '../api/support/api-suite';
import { until } from '../support/until';
import { itKeepsEndpointCountersExact } from '../support/endpoint-counters';

/**
 * Svix's manual content operations: "delete message payload" (`message.expungeContent`) and "delete
 * attempt response body" (`messageAttempt.expungeContent`), against a running API and worker.
 */
describe('Expunging content on request', () => {
  let suite: ApiSuite;
  let worker: INestApplicationContext;

  beforeAll(async () => {
    // A failed attempt is retried an hour later, so such a delivery stays pending throughout a test.
    suite = await startApiSuite({ IDEM_RETRY_SCHEDULE: '1h', IDEM_SWEEP_INTERVAL: '200ms', IDEM_REQUEUE_AFTER: '1s' });
    const { createWorkerApp } = await import('../../apps/worker/src/worker-app');
    worker = await createWorkerApp();
  });

  afterAll(async () => {
    await worker?.close();
    await suite?.close();
  });

  const endpointAnswering = (status: number, body: string) => suite.endpointReceiving(() => ({ status, body }));

  async function deliveryOf(messageId: string) {
    const { status, scheduled_attempts, next_attempt_at } = await suite.deliveryOf(messageId);
    return { status, scheduled_attempts, next_attempt_at };
  }

  async function storedPayload(messageId: string): Promise<string | null> {
    return (await suite.db.query<{ payload: string | null }>('SELECT payload FROM messages WHERE id = $1', [messageId])).rows[0].payload;
  }

  /** Rows anywhere in Idem's tables whose text holds `secret`. */
  async function rowsHolding(secret: string): Promise<string[]> {
    const found: string[] = [];
    for (const table of ['messages', 'attempts', 'idempotency_records']) {
      const { rows } = await suite.db.query(`SELECT 1 FROM ${table} t WHERE t::text LIKE $1`, [`%${secret}%`]);
      if (rows.length > 0) found.push(table);
    }
    return found;
  }

  it("expunges a message's payload by eventId with its attempts' responses and its Idempotency-Key replay, keeping the rows", async () => {
    const { app, endpoint } = await endpointAnswering(200, 'receipt for card tok_visa_4242');
    const body = { eventType: 'card.charged', payload: { card: 'tok_visa_4242', amount: 10 }, eventId: 'charge-1' };
    const created = await suite.request('POST', `/api/v1/app/${app.id}/msg`, { body, headers: { 'idempotency-key': 'charge-1-key' } });
    expect(created.status).toBe(202);
    const messageId: string = created.body.id;
    await until(async () => (await deliveryOf(messageId))?.status === 'succeeded', 'the delivery');
    expect(await rowsHolding('tok_visa_4242')).toEqual(['messages', 'attempts', 'idempotency_records']);

    await suite.svix.message.expungeContent(app.id, 'charge-1');

    expect(await storedPayload(messageId)).toBeNull();
    expect(await rowsHolding('tok_visa_4242')).toEqual([]);
    expect((await suite.svix.message.get(app.id, messageId)).payload).toEqual({ expired: true });
    expect((await suite.svix.message.list(app.id)).data.map((message) => [message.id, message.payload])).toEqual([[messageId, { expired: true }]]);
    expect((await suite.svix.messageAttempt.listAttemptedMessages(app.id, endpoint.id)).data.map((message) => message.payload)).toEqual([{ expired: true }]);
    const [attempt] = (await suite.svix.messageAttempt.listByMsg(app.id, messageId)).data;
    expect([attempt.status, attempt.responseStatusCode, attempt.response]).toEqual([0, 200, 'EXPUNGED']);
    expect((await suite.svix.messageAttempt.get(app.id, messageId, attempt.id)).response).toBe('EXPUNGED');
    const replay = await suite.request('POST', `/api/v1/app/${app.id}/msg`, { body, headers: { 'idempotency-key': 'charge-1-key' } });
    expect([replay.status, replay.headers.get('idempotent-replayed'), replay.body.id, replay.body.payload]).toEqual([202, 'true', messageId, { expired: true }]);

    // The record of what happened stays, as it was.
    expect(await deliveryOf(messageId)).toMatchObject({ status: 'succeeded', scheduled_attempts: 1 });
    expect(await suite.count('attempts', 'message_id = $1', [messageId])).toBe(1);

    // Nothing is left to resend, and asking again is no error.
    const refused = await svixError(suite.svix.messageAttempt.resend(app.id, messageId, endpoint.id));
    expect([refused.code, refused.body.code]).toEqual([400, 'missing_payload']);
    const again = await suite.request('DELETE', `/api/v1/app/${app.id}/msg/${messageId}/content`);
    expect([again.status, again.body]).toEqual([204, undefined]);
    expect((await suite.svix.message.get(app.id, messageId)).payload).toEqual({ expired: true });
  });

  it('cancels the pending deliveries of a message whose payload is expunged: nothing is left to send', async () => {
    const { app, endpoint } = await endpointAnswering(503, 'down for maintenance');
    const message = await suite.svix.message.create(app.id, { eventType: 'order.shipped', payload: { order: 7 } });
    await until(async () => (await deliveryOf(message.id))?.scheduled_attempts === 1, 'the first attempt');
    expect((await deliveryOf(message.id)).status).toBe('pending');

    await suite.svix.message.expungeContent(app.id, message.id);

    expect(await deliveryOf(message.id)).toEqual({ status: 'canceled', scheduled_attempts: 1, next_attempt_at: null });
    const [destination] = (await suite.svix.messageAttempt.listAttemptedDestinations(app.id, message.id)).data;
    expect([destination.id, destination.status, destination.nextAttempt ?? null]).toEqual([endpoint.id, 4, null]);
    const [attempt] = (await suite.svix.messageAttempt.listByMsg(app.id, message.id)).data;
    expect([attempt.status, attempt.response]).toEqual([2, 'EXPUNGED']);
    expect(await storedPayload(message.id)).toBeNull();
  });

  it('lets an attempt in flight finish, and cancels its delivery when its next attempt is claimed', async () => {
    const { receiver, app, endpoint } = await endpointAnswering(200, 'ok');
    // A delivery a worker holds mid-attempt, written as the API and the worker write them.
    const messageId = newId('message');
    const deliveryId = newId('delivery');
    await suite.db.query(`INSERT INTO messages (id, app_id, event_type, payload) VALUES ($1, $2, 'order.paid', '{"order":8}')`, [messageId, app.id]);
    await suite.db.query(
      `INSERT INTO deliveries (id, message_id, endpoint_id, app_id, status, scheduled_attempts, next_attempt_at, lease_expires_at)
       VALUES ($1, $2, $3, $4, 'sending', 0, now(), now() + interval '1 hour')`,
      [deliveryId, messageId, endpoint.id, app.id],
    );

    await suite.svix.message.expungeContent(app.id, messageId);

    expect((await deliveryOf(messageId)).status).toBe('sending');
    expect(await storedPayload(messageId)).toBeNull();

    // Its worker dies mid-attempt: the sweeper hands the delivery on, and the worker that claims it finds nothing to send.
    await suite.db.query(`UPDATE deliveries SET lease_expires_at = now() - interval '1 second' WHERE id = $1`, [deliveryId]);
    await until(async () => (await deliveryOf(messageId)).status === 'canceled', 'the delivery to be canceled');
    expect(receiver.received).toEqual([]);
    expect(await suite.count('attempts', 'message_id = $1', [messageId])).toBe(0);
  });

  it('records an attempt that was in flight when its content was deleted without its response body', async () => {
    const { receiver, app } = await suite.endpointReceiving(() => ({ status: 200, body: 'shipped to Alice Example', delayMs: 1500 }));
    const message = await suite.svix.message.create(app.id, { eventType: 'order.shipped', payload: { to: 'Alice Example' } });
    await receiver.waitFor((received) => received.length === 1);

    await suite.svix.message.expungeContent(app.id, message.id);
    await until(async () => (await deliveryOf(message.id)).status === 'succeeded', 'the attempt in flight to be recorded');

    const [attempt] = (await suite.svix.messageAttempt.listByMsg(app.id, message.id)).data;
    expect([attempt.status, attempt.response]).toEqual([0, 'EXPUNGED']);
    expect(await rowsHolding('Alice Example')).toEqual([]);
  });

  it("expunges one attempt's response body, leaving the attempt, the message and other attempts", async () => {
    const { app, endpoint } = await endpointAnswering(503, 'card 4242 declined');
    const message = await suite.svix.message.create(app.id, { eventType: 'card.charged', payload: { card: '4242' } });
    await until(async () => (await deliveryOf(message.id))?.scheduled_attempts === 1, 'the first attempt');
    await suite.svix.messageAttempt.resend(app.id, message.id, endpoint.id);
    await until(async () => (await suite.count('attempts', 'message_id = $1', [message.id])) === 2, 'the manual attempt');
    const [manual, scheduled] = (await suite.svix.messageAttempt.listByMsg(app.id, message.id)).data;

    await suite.svix.messageAttempt.expungeContent(app.id, message.id, scheduled.id);

    const after = await suite.svix.messageAttempt.get(app.id, message.id, scheduled.id);
    expect([after.id, after.status, after.responseStatusCode, after.response]).toEqual([scheduled.id, 2, 503, 'EXPUNGED']);
    expect((await suite.svix.messageAttempt.get(app.id, message.id, manual.id)).response).toBe('card 4242 declined');
    expect((await suite.svix.message.get(app.id, message.id)).payload).toEqual({ card: '4242' });
    expect((await deliveryOf(message.id)).status).toBe('pending');

    const again = await suite.request('DELETE', `/api/v1/app/${app.id}/msg/${message.id}/attempt/${scheduled.id}/content`);
    expect(again.status).toBe(204);
    const unknown = await svixError(suite.svix.messageAttempt.expungeContent(app.id, message.id, newId('attempt')));
    expect([unknown.code, unknown.body.code]).toEqual([404, 'not_found']);
  });

  it("answers 404 for another application's message or attempt, or an attempt of another message, and changes nothing", async () => {
    const owner = await endpointAnswering(500, 'secret response');
    const message = await suite.svix.message.create(owner.app.id, { eventType: 'a', payload: { secret: 'payload' } });
    await until(async () => (await deliveryOf(message.id))?.scheduled_attempts === 1, 'the first attempt');
    const [attempt] = (await suite.svix.messageAttempt.listByMsg(owner.app.id, message.id)).data;
    const other = await suite.svix.application.create({ name: 'other' });
    const otherMessage = await suite.svix.message.create(owner.app.id, { eventType: 'a', payload: {} });

    const answers = [
      await svixError(suite.svix.message.expungeContent(other.id, message.id)),
      await svixError(suite.svix.messageAttempt.expungeContent(other.id, message.id, attempt.id)),
      await svixError(suite.svix.messageAttempt.expungeContent(owner.app.id, otherMessage.id, attempt.id)),
      await svixError(suite.svix.message.expungeContent(owner.app.id, newId('message'))),
    ];

    expect(answers.map((answer) => [answer.code, answer.body.code])).toEqual(Array(4).fill([404, 'not_found']));
    expect(await storedPayload(message.id)).toBe(JSON.stringify({ secret: 'payload' }));
    expect((await suite.svix.messageAttempt.get(owner.app.id, message.id, attempt.id)).response).toBe('secret response');
    expect((await deliveryOf(message.id)).status).toBe('pending');
  });

  // Runs last: after every retry, failure, resend, cancel and supersede above.
  itKeepsEndpointCountersExact(() => suite.db);
});
