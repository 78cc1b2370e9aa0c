import { DELIVERY_QUEUE } from '@app/queue';
import { MemoryDedupStore, MemoryVersionGuard, WebhookReceiver } from '@idem/sdk/receiver';
import { Queue } from 'bullmq';
import IORedis from 'ioredis';
import type { INestApplicationContext } from '@nestjs/common';
import { ApiSuite, startApiSuite } from '../api/support/api-suite';
import { until } from '../support/until';
import { itKeepsEndpointCountersExact } from '../support/endpoint-counters';

/**
 * Entity state on the worker's side: the entity headers of each attempt, a receiver's stale outcome,
 * and an older state whose attempt fails after a newer one was accepted.
 */
describe('Entity state, end to end', () => {
  let suite: ApiSuite;
  let worker: INestApplicationContext;

  beforeAll(async () => {
    suite = await startApiSuite({ IDEM_RETRY_SCHEDULE: '300ms', IDEM_SWEEP_INTERVAL: '200ms' });
    const { createWorkerApp } = await import('../../apps/worker/src/worker-app');
    worker = await createWorkerApp();
    for (const [name, semantics] of [
      ['account.state', 'state'],
      ['account.delta', 'delta'],
    ]) {
      const retrySafety = { semantics, entity: 'account', entityIdPath: '/account', versionPath: '/version' };
      expect((await suite.request('POST', '/api/v1/event-type', { body: { name, description: name, retrySafety } })).status).toBe(201);
    }
  });

  afterAll(async () => {
    await worker?.close();
    await suite?.close();
  });

  const statusOf = async (messageId: string) =>
    (await suite.db.query('SELECT status, superseded_by, scheduled_attempts FROM deliveries WHERE message_id = $1', [messageId])).rows[0] as {
      status: string;
      superseded_by: string | null;
      scheduled_attempts: number;
    };

  it('names the entity and version in the headers of each attempt, beside a signature that verifies', async () => {
    const { receiver, app, endpoint } = await suite.endpointReceiving(() => ({ status: 200 }));
    receiver.verifyWith((await suite.svix.endpoint.getSecret(app.id, endpoint.id)).key);

    await suite.svix.message.create(app.id, { eventType: 'account.state', payload: { account: 'a/1 b', version: 7 } });

    await receiver.waitFor((received) => received.length === 1);
    expect(receiver.received[0].verified).toBe(true);
    expect(receiver.received[0].headers).toMatchObject({ 'idem-entity': 'account:a%2F1%20b', 'idem-entity-version': '7' });
  });

  it("ends a delivery stale when the SDK's version guard refuses it: not retried, and the endpoint not failing", async () => {
    const guard = new MemoryVersionGuard();
    const { receiver, app, endpoint } = await suite.endpointReceiving(() => ({ status: 200 }));
    // The receiver's real answer comes from the SDK, fed what arrived.
    const secret = (await suite.svix.endpoint.getSecret(app.id, endpoint.id)).key;
    const sdk = new WebhookReceiver({ secret, store: new MemoryDedupStore() });
    receiver.behaviour = async (request) => {
      const answer = await sdk.receive({ body: request.body, headers: request.headers }, (delivery) => guard.applyIfNewer(delivery, async () => undefined));
      return { status: answer.status, headers: answer.headers, body: answer.body };
    };

    const newer = await suite.svix.message.create(app.id, { eventType: 'account.delta', payload: { account: 'acc-2', version: 5 } });
    await until(async () => (await statusOf(newer.id)).status === 'succeeded', 'the newer change applied');
    const older = await suite.svix.message.create(app.id, { eventType: 'account.delta', payload: { account: 'acc-2', version: 4 } });

    await until(async () => (await statusOf(older.id)).status === 'stale', 'the older change to end stale');
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(await statusOf(older.id)).toMatchObject({ status: 'stale', scheduled_attempts: 1 });
    expect(receiver.received.filter((request) => request.headers['webhook-id'] === older.id)).toHaveLength(1);
    const destinations = (await suite.request('GET', `/api/v1/app/${app.id}/msg/${older.id}/endpoint`)).body.data;
    expect(destinations[0]).toMatchObject({ status: 0, idemStatus: 'stale' });
    expect((await suite.db.query('SELECT failing_since FROM endpoints WHERE id = $1', [endpoint.id])).rows[0].failing_since).toBeNull();
  });

  it('supersedes, instead of retrying, an older state whose attempt failed after a newer one was accepted', async () => {
    let releaseFirst!: () => void;
    const firstHeld = new Promise<void>((resolve) => (releaseFirst = resolve));
    let first = true;
    const { receiver, app } = await suite.endpointReceiving(() => ({ status: 200 }));
    receiver.behaviour = async () => {
      if (!first) return { status: 200 };
      first = false;
      await firstHeld;
      return { status: 500 };
    };

    const older = await suite.svix.message.create(app.id, { eventType: 'account.state', payload: { account: 'acc-3', version: 1 } });
    await receiver.waitFor((received) => received.length === 1);
    const newer = await suite.svix.message.create(app.id, { eventType: 'account.state', payload: { account: 'acc-3', version: 2 } });
    await until(async () => (await statusOf(newer.id)).status === 'succeeded', 'the newer state delivered');
    releaseFirst();

    await until(async () => (await statusOf(older.id)).status !== 'sending', 'the older attempt recorded');
    expect(await statusOf(older.id)).toMatchObject({ status: 'superseded', superseded_by: newer.id, scheduled_attempts: 1 });
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(receiver.received.filter((request) => request.headers['webhook-id'] === older.id)).toHaveLength(1);
  });

  it('supersedes at its next claim an older state put back for a retry while a newer one was being accepted', async () => {
    const { receiver, app } = await suite.endpointReceiving(() => ({ status: 200 }));
    const redis = new IORedis(suite.environment.redisUrl, { maxRetriesPerRequest: null });
    const queue = new Queue(DELIVERY_QUEUE, { connection: redis, prefix: suite.environment.queuePrefix });
    try {
      await queue.pause();
      const older = await suite.svix.message.create(app.id, { eventType: 'account.state', payload: { account: 'acc-4', version: 1 } });
      // The older attempt is in flight when the newer state is accepted, so the intake leaves it alone...
      await suite.db.query(`UPDATE deliveries SET status = 'sending', lease_expires_at = now() + interval '1 minute' WHERE message_id = $1`, [older.id]);
      const newer = await suite.svix.message.create(app.id, { eventType: 'account.state', payload: { account: 'acc-4', version: 2 } });
      // ...and its failure is recorded as a retry by a statement that did not yet see the newer state.
      await suite.db.query(`UPDATE deliveries SET status = 'pending', lease_expires_at = NULL, next_attempt_at = now() WHERE message_id = $1`, [older.id]);
      await queue.resume();

      await until(async () => (await statusOf(newer.id)).status === 'succeeded', 'the newer state delivered');
      await until(async () => (await statusOf(older.id)).status === 'superseded', 'the older state superseded when claimed');
      expect((await statusOf(older.id)).superseded_by).toBe(newer.id);
      expect(receiver.received.map((request) => request.headers['webhook-id'])).toEqual([newer.id]);
    } finally {
      await queue.resume();
      await queue.close();
      redis.disconnect();
    }
  });

  // Runs last: after every retry, failure, resend, cancel and supersede above.
  itKeepsEndpointCountersExact(() => suite.db);
});
