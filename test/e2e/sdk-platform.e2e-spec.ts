import { IdemClient, mintIdempotencyKey, OutboxRelay, PostgresOutbox } from '@idem/sdk/emitter';
import { PostgresInbox, readRawBody, WebhookReceiver } from '@idem/sdk/receiver';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import type { PoolClient } from 'pg';
import { ApiSuite, startApiSuite } from '../api/support/api-suite';
import { TestDatabase } from '../sdk/support/test-database';
import { WorkerProcess } from '../support/worker-process';

jest.setTimeout(120_000);

/**
 * The promise end to end: a producer's outbox → Idem → a consumer's atomic inbox, with the worker
 * killed mid-run and the consumer's handler failing now and then, applies every event exactly once.
 */
describe('SDK emitter → Idem → SDK receiver', () => {
  const EVENTS = 40;
  let suite: ApiSuite;
  let producer: TestDatabase;
  let consumer: TestDatabase;
  let relay: OutboxRelay;
  let server: Server;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    suite = await startApiSuite({ IDEM_RETRY_SCHEDULE: '300ms,300ms,300ms,300ms,300ms,300ms,300ms,300ms', IDEM_REQUEUE_AFTER: '1s' });
    producer = await TestDatabase.create();
    consumer = await TestDatabase.create();
  });

  afterAll(async () => {
    relay?.stop();
    await Promise.all(workers.map((worker) => worker.stop()));
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
    await producer?.drop();
    await consumer?.drop();
    await suite?.close();
  });

  it('applies every event exactly once', async () => {
    // The consumer: an atomic inbox, and an effect table with no unique key, so a second application would show.
    await consumer.pool.query('CREATE TABLE applied (order_id int NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())');
    const inbox = new PostgresInbox<PoolClient>(consumer.pool);
    await inbox.install();
    let handlerCalls = 0;
    const receiverFor = (secret: string) => new WebhookReceiver<PoolClient>({ secret, store: inbox });
    let receiver: WebhookReceiver<PoolClient> | undefined;
    server = createServer(async (request, response) => {
      const body = await readRawBody(request);
      const answer = await receiver!.receive({ body, headers: request.headers }, async (delivery, client) => {
        await client!.query('INSERT INTO applied (order_id) VALUES ($1)', [(delivery.payload as { orderId: number }).orderId]);
        // Fail after the effect: the inbox must roll the effect back with the dedup record.
        if (++handlerCalls % 4 === 0) throw new Error('consumer failed mid-handler');
      });
      response.writeHead(answer.status, answer.headers).end(answer.body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const app = await suite.svix.application.create({ name: 'shop', uid: 'shop' });
    const endpoint = await suite.svix.endpoint.create(app.id, { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks` });
    receiver = receiverFor((await suite.svix.endpoint.getSecret(app.id, endpoint.id)).key);

    workers.push(await WorkerProcess.start(suite.environment.env));

    // The producer: each order change and its event commit together; the relay ships them afterwards.
    const outbox = new PostgresOutbox();
    await outbox.install(producer.pool);
    await producer.pool.query('CREATE TABLE orders (id int PRIMARY KEY, version int NOT NULL)');
    relay = new OutboxRelay(producer.pool, {
      client: new IdemClient({ baseUrl: suite.url, token: suite.environment.adminToken }),
      pollIntervalMs: 50,
      retry: { baseDelayMs: 100, maxDelayMs: 1000 },
    });
    relay.start();
    for (let orderId = 1; orderId <= EVENTS; orderId++) {
      const client = await producer.pool.connect();
      await client.query('BEGIN');
      await client.query('INSERT INTO orders (id, version) VALUES ($1, 1)', [orderId]);
      await outbox.enqueue(client, {
        app: 'shop',
        eventType: 'order.paid',
        payload: { orderId },
        idempotencyKey: mintIdempotencyKey({ source: 'shop', entity: `order:${orderId}`, version: 1 }),
      });
      await client.query('COMMIT');
      client.release();
    }

    const appliedCount = async () => Number((await consumer.pool.query('SELECT count(DISTINCT order_id) AS n FROM applied')).rows[0].n);
    const waitForApplied = async (count: number, timeoutMs: number) => {
      const deadline = Date.now() + timeoutMs;
      while ((await appliedCount()) < count) {
        if (Date.now() > deadline) throw new Error(`only ${await appliedCount()} of ${count} events applied`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };

    // Kill the worker part-way, as a crash or a deploy would.
    await waitForApplied(10, 30_000);
    workers[0].kill('SIGKILL');
    await workers[0].exited;
    workers.push(await WorkerProcess.start(suite.environment.env));

    await waitForApplied(EVENTS, 60_000);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const perOrder = await consumer.pool.query<{ order_id: number; n: string }>('SELECT order_id, count(*) AS n FROM applied GROUP BY order_id ORDER BY order_id');
    expect(perOrder.rows.map((row) => row.order_id)).toEqual(Array.from({ length: EVENTS }, (_, i) => i + 1));
    expect(perOrder.rows.every((row) => row.n === '1')).toBe(true);
    expect(handlerCalls).toBeGreaterThan(EVENTS);
    expect(await suite.count('messages')).toBe(EVENTS);
  });
});
