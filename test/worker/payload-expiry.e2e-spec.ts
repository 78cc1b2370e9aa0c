import type { INestApplicationContext } from '@nestjs/common';
import type { CleanupReport, RetentionCleanup } from '../../apps/worker/src/maintenance/retention-cleanup.service';
import { ApiSuite, startApiSuite, svixError } from '../api/support/api-suite';
import { until } from '../support/until';

/**
 * A message's payload expires after its `payloadRetentionPeriod` / `payloadRetentionHours`: the cleanup
 * expunges it with its attempts' response bodies, and the API shows what Svix shows. Expiry is days or
 * hours away, so each test ages it in Postgres and runs one cleanup.
 */
describe('Payload expiry', () => {
  let suite: ApiSuite;
  let worker: INestApplicationContext;
  let cleanup: RetentionCleanup;

  beforeAll(async () => {
    // A failed attempt is retried an hour later, so such a delivery stays pending throughout a test.
    suite = await startApiSuite({ IDEM_RETRY_SCHEDULE: '1h', IDEM_SWEEP_INTERVAL: '200ms', IDEM_REQUEUE_AFTER: '1s' });
    const { createWorkerApp } = await import('../../apps/worker/src/worker-app');
    worker = await createWorkerApp();
    const { RetentionCleanup: Cleanup } = await import('../../apps/worker/src/maintenance/retention-cleanup.service');
    cleanup = worker.get(Cleanup);
  });

  afterAll(async () => {
    await worker?.close();
    await suite?.close();
  });

  const endpointAnswering = (status: number, body: string) => suite.endpointReceiving(() => ({ status, body }));

  const deliveryOf = (messageId: string) => suite.deliveryOf(messageId);

  async function expire(messageId: string): Promise<CleanupReport> {
    await suite.db.query(`UPDATE messages SET payload_expires_at = now() - interval '1 second' WHERE id = $1`, [messageId]);
    return cleanup.cleanUp();
  }

  async function storedPayload(messageId: string): Promise<string | null> {
    return (await suite.db.query<{ payload: string | null }>('SELECT payload FROM messages WHERE id = $1', [messageId])).rows[0].payload;
  }

  it("expunges a delivered message's payload, its attempts' response bodies and its Idempotency-Key replay, keeping the rows", async () => {
    const { app, endpoint } = await endpointAnswering(200, 'receipt for card 4242');
    const body = { eventType: 'card.charged', payload: { card: '4242', amount: 10 }, eventId: 'charge-1', payloadRetentionHours: 1 };
    const created = await suite.request('POST', `/api/v1/app/${app.id}/msg`, { body, headers: { 'idempotency-key': 'charge-1-key' } });
    expect(created.status).toBe(202);
    const messageId: string = created.body.id;
    await until(async () => (await deliveryOf(messageId))?.status === 'succeeded', 'the delivery');

    // Not yet expired: a cleanup leaves it alone.
    await cleanup.cleanUp();
    expect((await suite.svix.message.get(app.id, messageId)).payload).toEqual(body.payload);

    expect((await expire(messageId)).expungedPayloads).toBe(1);

    expect(await storedPayload(messageId)).toBeNull();
    expect((await suite.svix.message.get(app.id, messageId)).payload).toEqual({ expired: true });
    const listed = await suite.svix.message.list(app.id);
    expect(listed.data.map((message) => [message.id, message.payload])).toEqual([[messageId, { expired: true }]]);
    const [attempt] = (await suite.svix.messageAttempt.listByMsg(app.id, messageId)).data;
    expect([attempt.status, attempt.response]).toEqual([0, 'EXPUNGED']);
    expect((await suite.svix.messageAttempt.get(app.id, messageId, attempt.id)).response).toBe('EXPUNGED');
    expect((await suite.svix.messageAttempt.listByEndpoint(app.id, endpoint.id)).data.map((listed) => listed.response)).toEqual(['EXPUNGED']);

    // Retrying the create with its key replays the answer without the payload, as does repeating the eventId.
    const replay = await suite.request('POST', `/api/v1/app/${app.id}/msg`, { body, headers: { 'idempotency-key': 'charge-1-key' } });
    expect([replay.status, replay.headers.get('idempotent-replayed'), replay.body.id, replay.body.payload]).toEqual([202, 'true', messageId, { expired: true }]);
    // (Raw: the svix client asks for no content on create and fills the payload in from its own request.)
    const repeat = await suite.request('POST', `/api/v1/app/${app.id}/msg`, { body });
    expect([repeat.status, repeat.body.id, repeat.body.payload]).toEqual([202, messageId, { expired: true }]);
    const { rows: replays } = await suite.db.query(`SELECT 1 FROM idempotency_records WHERE response_body::text LIKE '%4242%'`);
    expect(replays).toEqual([]);

    // The record of what happened stays until the message retention window.
    expect(await suite.count('deliveries', 'message_id = $1', [messageId])).toBe(1);
    expect(await suite.count('attempts', 'message_id = $1', [messageId])).toBe(1);

    // Nothing is left to resend: 400 missing_payload, as Svix answers, and nothing is asked of the worker.
    const refused = await svixError(suite.svix.messageAttempt.resend(app.id, messageId, endpoint.id));
    expect([refused.code, refused.body.code]).toEqual([400, 'missing_payload']);
    expect((await deliveryOf(messageId)).resend_requested_at).toBeNull();
  });

  it('keeps the payload while a delivery of the message is pending, and expunges it once the delivery has ended', async () => {
    const { receiver, app, endpoint } = await endpointAnswering(503, 'down for maintenance');
    const message = await suite.svix.message.create(app.id, { eventType: 'order.shipped', payload: { order: 7 }, payloadRetentionPeriod: 1 });
    await until(async () => (await deliveryOf(message.id))?.scheduled_attempts === 1, 'the first attempt');
    expect((await deliveryOf(message.id)).status).toBe('pending');

    await expire(message.id);

    // The retry due in an hour still needs the payload: it stays, and the API shows it.
    expect(await storedPayload(message.id)).toBe(JSON.stringify({ order: 7 }));
    expect((await suite.svix.message.get(app.id, message.id)).payload).toEqual({ order: 7 });

    // The receiver is back and a manual resend delivers the message: nothing needs the payload any more.
    receiver.behaviour = () => ({ status: 200, body: 'thanks' });
    await suite.svix.messageAttempt.resend(app.id, message.id, endpoint.id);
    await until(async () => (await deliveryOf(message.id)).status === 'succeeded', 'the resend');
    expect(receiver.received.at(-1)?.body).toBe(JSON.stringify({ order: 7 }));

    expect((await cleanup.cleanUp()).expungedPayloads).toBe(1);
    expect((await suite.svix.message.get(app.id, message.id)).payload).toEqual({ expired: true });
    const attempts = (await suite.svix.messageAttempt.listByMsg(app.id, message.id)).data;
    expect(attempts.map((attempt) => [attempt.triggerType, attempt.response])).toEqual([
      [1, 'EXPUNGED'],
      [0, 'EXPUNGED'],
    ]);
  });

  it('leaves messages whose payload expired out of an endpoint recovery', async () => {
    const { app, endpoint } = await endpointAnswering(500, 'failing');
    const since = new Date(Date.now() - 60_000);
    const expired = await suite.svix.message.create(app.id, { eventType: 'a', payload: { n: 1 } });
    const kept = await suite.svix.message.create(app.id, { eventType: 'a', payload: { n: 2 } });
    await until(async () => (await deliveryOf(expired.id))?.scheduled_attempts === 1 && (await deliveryOf(kept.id))?.scheduled_attempts === 1, 'first attempts');
    // Both exhausted their retries.
    await suite.db.query(`UPDATE deliveries SET status = 'failed', next_attempt_at = NULL WHERE message_id = ANY($1)`, [[expired.id, kept.id]]);
    await expire(expired.id);
    expect(await storedPayload(expired.id)).toBeNull();

    const task = await suite.svix.endpoint.recover(app.id, endpoint.id, { since });

    expect((await suite.request('GET', `/api/v1/background-task/${task.id}`)).body.data.total).toBe(1);
    expect((await deliveryOf(expired.id)).resend_requested_at).toBeNull();
  });

  it('withdraws a resend whose payload was expunged after it was asked for, sending nothing', async () => {
    const { receiver, app } = await endpointAnswering(500, 'failing');
    const message = await suite.svix.message.create(app.id, { eventType: 'a', payload: { n: 3 } });
    await until(async () => (await deliveryOf(message.id))?.scheduled_attempts === 1, 'the first attempt');
    const sent = receiver.received.length;
    // The resend mark written just before a cleanup expunged the payload (the API refuses one after);
    // milliseconds only, as the API writes it.
    await suite.db.query(
      `UPDATE deliveries SET status = 'failed', next_attempt_at = NULL, resend_requested_at = date_trunc('milliseconds', now()) - interval '1 minute'
        WHERE message_id = $1`,
      [message.id],
    );
    await suite.db.query(`UPDATE messages SET payload = NULL WHERE id = $1`, [message.id]);

    // The sweeper finds the lost resend and the worker takes it up.
    await until(async () => (await deliveryOf(message.id)).resend_requested_at === null, 'the resend to be withdrawn');
    expect(receiver.received.length).toBe(sent);
    expect(await suite.count('attempts', 'message_id = $1', [message.id])).toBe(1);
  });
});
