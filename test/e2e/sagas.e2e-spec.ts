import { generateSigningSecret } from '@app/core';
import { IdemClient, OutboxRelay, PostgresOutbox } from '@idem/sdk/emitter';
import { PermanentRejection, PostgresInbox, readRawBody, WebhookReceiver } from '@idem/sdk/receiver';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import type { PoolClient } from 'pg';
import { ApiSuite, startApiSuite } from '../api/support/api-suite';
import { TestDatabase } from '../sdk/support/test-database';
import { FakeReceiver } from '../support/fake-receiver';
import { until } from '../support/until';
import { WorkerProcess } from '../support/worker-process';

jest.setTimeout(120_000);

/** What a receiver's handler does with a delivery, by saga and event type. */
type Behaviour = 'apply' | 'reject' | 'crash' | 'hold';

/**
 * Sagas end to end: three services behind three endpoints, each an SDK receiver with its own Postgres
 * inbox whose effects (a row in `applied`) commit with its dedup record, and real worker processes.
 */
describe('Sagas across endpoints, with compensations', () => {
  let suite: ApiSuite;
  let consumer: TestDatabase;
  let operator: FakeReceiver;
  /** Audit events on the channel `eu` only. */
  let euAudit: FakeReceiver;
  let appId: string;
  const servers: Server[] = [];
  const workers: WorkerProcess[] = [];
  /** `saga/eventType` → what the handler does; absent: apply. */
  const behaviours = new Map<string, Behaviour>();
  const held: { entered: boolean; release?: () => void } = { entered: false };

  const SERVICES = [
    { name: 'stock', step: 'stock.reserve', compensation: 'stock.release' },
    { name: 'payment', step: 'payment.charge', compensation: 'payment.refund' },
    { name: 'shipping', step: 'shipment.create', compensation: 'shipment.cancel' },
  ];

  beforeAll(async () => {
    operator = await FakeReceiver.start();
    const operatorSecret = generateSigningSecret();
    operator.verifyWith(operatorSecret);
    suite = await startApiSuite({
      IDEM_RETRY_SCHEDULE: '200ms,200ms,200ms',
      IDEM_DELIVERY_TIMEOUT: '2s',
      IDEM_SWEEP_INTERVAL: '200ms',
      IDEM_REQUEUE_AFTER: '1s',
      IDEM_OPERATIONAL_WEBHOOK_URL: operator.url,
      IDEM_OPERATIONAL_WEBHOOK_SECRET: operatorSecret,
    });
    consumer = await TestDatabase.create();
    await consumer.pool.query('CREATE TABLE applied (id serial PRIMARY KEY, service text NOT NULL, event_type text NOT NULL, saga text NOT NULL)');
    for (const name of [...SERVICES.flatMap((service) => [service.step, service.compensation]), 'audit.record', 'audit.erase']) {
      await suite.svix.eventType.create({ name, description: name });
    }
    appId = (await suite.svix.application.create({ name: 'shop', uid: 'shop' })).id;
    for (const service of SERVICES) {
      const inbox = new PostgresInbox<PoolClient>(consumer.pool, { table: `inbox_${service.name}` });
      await inbox.install();
      let receiver: WebhookReceiver<PoolClient> | undefined;
      const server = createServer(async (request, response) => {
        const body = await readRawBody(request);
        const eventType = (JSON.parse(body.toString()) as { type: string }).type;
        const answer = await receiver!.receive({ body, headers: request.headers }, async (delivery, client) => {
          const saga = (delivery.payload as { saga: string }).saga;
          await client!.query('INSERT INTO applied (service, event_type, saga) VALUES ($1, $2, $3)', [service.name, eventType, saga]);
          const behaviour = behaviours.get(`${saga}/${eventType}`) ?? 'apply';
          if (behaviour === 'reject') throw new PermanentRejection(`${service.name} refuses ${eventType}`);
          if (behaviour === 'crash') throw new Error(`${service.name} is broken`);
          if (behaviour === 'hold') {
            held.entered = true;
            await new Promise<void>((resolve) => (held.release = resolve));
          }
        });
        response.writeHead(answer.status, answer.headers).end(answer.body);
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      servers.push(server);
      const endpoint = await suite.svix.endpoint.create(appId, {
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/${service.name}`,
        filterTypes: [service.step, service.compensation],
      });
      receiver = new WebhookReceiver<PoolClient>({ secret: (await suite.svix.endpoint.getSecret(appId, endpoint.id)).key, store: inbox });
    }
    euAudit = await FakeReceiver.start();
    const euEndpoint = await suite.svix.endpoint.create(appId, { url: euAudit.url, filterTypes: ['audit.record', 'audit.erase'], channels: ['eu'] });
    euAudit.verifyWith((await suite.svix.endpoint.getSecret(appId, euEndpoint.id)).key);
    // Two workers, so outcomes of one saga's deliveries may be recorded by either, concurrently.
    // A worker from source takes long to start on a busy machine: give it the time.
    workers.push(...(await Promise.all([WorkerProcess.start(suite.environment.env, 90_000), WorkerProcess.start(suite.environment.env, 90_000)])));
  });

  afterAll(async () => {
    held.release?.();
    await Promise.all(workers.map((worker) => worker.stop()));
    for (const server of servers) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
    await operator?.close();
    await euAudit?.close();
    await consumer?.drop();
    await suite?.close();
  });

  /** The three steps, each with its compensation; the type is in the payload, so a receiver knows what it got. */
  const sagaBody = (saga: string) => ({
    sagaId: saga,
    steps: SERVICES.map((service) => ({
      name: service.name,
      eventType: service.step,
      payload: { type: service.step, saga },
      compensation: { eventType: service.compensation, payload: { type: service.compensation, saga } },
    })),
  });

  async function start(saga: string): Promise<string> {
    const created = await suite.request('POST', `/api/v1/app/${appId}/saga`, { body: sagaBody(saga) });
    expect(created.status).toBe(201);
    return created.body.id;
  }

  const sagaNamed = async (saga: string) => (await suite.request('GET', `/api/v1/app/${appId}/saga/${saga}`)).body;
  const endsIn = (saga: string, status: string) => until(async () => (await sagaNamed(saga)).status === status, `saga ${saga} ${status}`, 60_000, 100);
  /** The effects applied for the saga, in the order they committed. */
  const applied = async (saga: string) => (await consumer.pool.query<{ event_type: string }>('SELECT event_type FROM applied WHERE saga = $1 ORDER BY id', [saga])).rows.map((row) => row.event_type);
  const operational = (type: string, sagaId: string) => operator.received.some((webhook) => webhook.verified && JSON.parse(webhook.body).type === type && JSON.parse(webhook.body).data.sagaId === sagaId);

  it('runs every step once, in order, and completes', async () => {
    const id = await start('all-good');

    await endsIn('all-good', 'completed');
    expect(await applied('all-good')).toEqual(['stock.reserve', 'payment.charge', 'shipment.create']);
    const saga = await sagaNamed('all-good');
    expect(saga.steps.map((step: { message: { deliveries: { status: string }[] }; compensation: unknown }) => [step.message.deliveries.map((d) => d.status), step.compensation])).toEqual([
      [['succeeded'], null],
      [['succeeded'], null],
      [['succeeded'], null],
    ]);
    expect(saga.finishedAt).not.toBeNull();
    await operator.waitFor(() => operational('saga.completed', 'all-good'));
    expect(JSON.parse(operator.received.find((webhook) => JSON.parse(webhook.body).data.sagaId === 'all-good')!.body).data).toMatchObject({ appId, appUid: 'shop', id, sagaId: 'all-good' });
  });

  it('delivers a step sent on a channel to the endpoint restricted to that channel', async () => {
    const created = await suite.request('POST', `/api/v1/app/${appId}/saga`, {
      body: { sagaId: 'on-channel', steps: [{ name: 'audit', eventType: 'audit.record', payload: { saga: 'on-channel' }, channels: ['eu'], compensation: { eventType: 'audit.erase', payload: { saga: 'on-channel' }, channels: ['eu'] } }] },
    });
    expect(created.status).toBe(201);

    await endsIn('on-channel', 'completed');
    expect(euAudit.received.map((webhook) => [webhook.verified, JSON.parse(webhook.body)])).toEqual([[true, { saga: 'on-channel' }]]);
  });

  it('compensates the steps that succeeded, newest first, each once, when a receiver rejects a step', async () => {
    behaviours.set('rejected/shipment.create', 'reject');
    await start('rejected');

    await endsIn('rejected', 'compensated');
    // The rejected step's own effect rolled back with its inbox record.
    expect(await applied('rejected')).toEqual(['stock.reserve', 'payment.charge', 'payment.refund', 'stock.release']);
    const saga = await sagaNamed('rejected');
    expect(saga.steps[2].message.deliveries[0].status).toBe('failed');
    expect(saga.steps[2].compensation).toBeNull();
    expect(saga.steps[1].compensation.deliveries[0].status).toBe('succeeded');
    const refund = await suite.svix.message.get(appId, saga.steps[1].compensation.messageId);
    expect([refund.eventType, refund.eventId]).toEqual(['payment.refund', 'saga:rejected:compensation:payment']);
    // One attempt: a rejection is not retried.
    const attempts = await suite.count('attempts', 'message_id = $1', [saga.steps[2].message.messageId]);
    expect(attempts).toBe(1);
    await operator.waitFor(() => operational('saga.compensated', 'rejected'));
  });

  it('stops at compensation_failed when a compensation keeps failing, and says so', async () => {
    behaviours.set('stuck/shipment.create', 'reject');
    behaviours.set('stuck/payment.refund', 'crash');
    await start('stuck');

    await endsIn('stuck', 'compensation_failed');
    const saga = await sagaNamed('stuck');
    expect(saga.currentStep).toBe('payment');
    expect(saga.steps[1].compensation.deliveries[0].status).toBe('failed');
    expect(saga.steps[0].compensation).toBeNull();
    expect(await applied('stuck')).toEqual(['stock.reserve', 'payment.charge']);
    await operator.waitFor(() => operational('saga.compensation_failed', 'stuck'));
  });

  it('ends compensated, nothing applied twice, when the worker is SIGKILLed while compensating', async () => {
    behaviours.set('killed/shipment.create', 'reject');
    behaviours.set('killed/payment.refund', 'hold');
    await start('killed');

    await until(async () => held.entered, 'the refund in its handler', 30_000);
    // Every worker dies, the one sending the refund among them.
    for (const worker of workers) worker.kill('SIGKILL');
    await Promise.all(workers.map((worker) => worker.exited));
    // The refund commits at the receiver, but its answer reaches no one: the next worker sends it again.
    behaviours.set('killed/payment.refund', 'apply');
    held.release!();
    workers.push(await WorkerProcess.start(suite.environment.env, 90_000));

    await endsIn('killed', 'compensated');
    expect(await applied('killed')).toEqual(['stock.reserve', 'payment.charge', 'payment.refund', 'stock.release']);
    const perMessage = await suite.db.query<{ n: string }>(
      `SELECT count(*) AS n FROM messages WHERE event_id LIKE 'saga:killed:%' GROUP BY event_id HAVING count(*) > 1`,
    );
    expect(perMessage.rows).toEqual([]);
  });

  it('resumes from Postgres a saga whose step ended outside the record batch', async () => {
    held.entered = false;
    behaviours.set('swept/stock.reserve', 'hold');
    await start('swept');
    await until(async () => held.entered, 'the reservation in its handler', 30_000);
    // The delivery ends by hand while its attempt is in flight, as a resend would end it: the worker's
    // record of that attempt then finds it no longer sending and records nothing, so only the sweeper can move the saga.
    const first = (await sagaNamed('swept')).steps[0].message.messageId as string;
    await suite.db.query(`UPDATE deliveries SET status = 'succeeded', next_attempt_at = NULL, lease_expires_at = NULL WHERE message_id = $1`, [first]);
    held.release!();

    await endsIn('swept', 'completed');
    expect(await applied('swept')).toEqual(['stock.reserve', 'payment.charge', 'shipment.create']);
    expect(await suite.count('attempts', 'message_id = $1', [first])).toBe(0);
  });

  it("starts a saga from the SDK emitter, and from the producer's outbox, once however often it is retried", async () => {
    const client = new IdemClient({ baseUrl: suite.url, token: suite.environment.adminToken });
    const started = await client.startSaga(appId, sagaBody('from-sdk'));
    const again = await client.startSaga(appId, sagaBody('from-sdk'));
    expect([started.replayed, again.replayed, again.saga.id]).toEqual([false, true, started.saga.id]);

    const producer = await TestDatabase.create();
    try {
      const outbox = new PostgresOutbox();
      await outbox.install(producer.pool);
      expect(await outbox.enqueueSaga(producer.pool, appId, sagaBody('from-outbox'))).toEqual({ enqueued: true });
      expect(await outbox.enqueueSaga(producer.pool, appId, sagaBody('from-outbox'))).toEqual({ enqueued: false });
      const relay = new OutboxRelay(producer.pool, { client });
      expect(await relay.runOnce()).toMatchObject({ claimed: 1, shipped: 1 });
      const shipped = await producer.pool.query<{ message_id: string }>('SELECT message_id FROM idem_outbox');
      expect(shipped.rows[0].message_id).toMatch(/^saga_/);
    } finally {
      await producer.drop();
    }
    await endsIn('from-sdk', 'completed');
    await endsIn('from-outbox', 'completed');
    expect(await applied('from-outbox')).toEqual(['stock.reserve', 'payment.charge', 'shipment.create']);
  });
});
