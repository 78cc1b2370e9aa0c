import { IdemClient, mintIdempotencyKey, OutboxRelay, PostgresOutbox } from '@idem/sdk/emitter';
import { InboxCleanup, PostgresInbox, readRawBody, WebhookReceiver } from '@idem/sdk/receiver';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PoolClient } from 'pg';
import { ApiSuite, startApiSuite } from '../api/support/api-suite';
import { TestDatabase } from '../sdk/support/test-database';
import { WorkerProcess } from '../support/worker-process';

jest.setTimeout(240_000);

/** Retention windows of seconds, so that one run outlasts each of them several times over. */
const MESSAGE_RETENTION_MS = 5_000;
const IDEMPOTENCY_RETENTION_MS = 4_000;
const SDK_RETENTION_MS = 4_000;
const SEND_TIME_KEY_WINDOW_MS = 4_000;
const CLEANUP_INTERVAL_MS = 500;

const RUN_MS = 30_000;
const SAMPLE_EVERY_MS = 500;
/** Every window has closed (with a cleanup interval to spare) from here on: the counts should have levelled. */
const REFERENCE_FROM_MS = MESSAGE_RETENTION_MS + 2 * CLEANUP_INTERVAL_MS;
const REFERENCE_UNTIL_MS = REFERENCE_FROM_MS + 6_000;
const LAST_THIRD_FROM_MS = (RUN_MS * 2) / 3;

interface Sample {
  atMs: number;
  /** Messages the consumer had processed so far: what flowed through everything. */
  processed: number;
  rows: Record<string, number>;
}

/**
 * Every table that grows with traffic stays bounded under constant ingest: a producer's outbox ships
 * events (with an Idempotency-Key and an eventId) through Idem to a consumer's atomic inbox, each side
 * cleaning up on its own retention, for half a minute; beside them, sagas run to completion, and a ping
 * sent under a fresh key each time keeps the send-time-key detector finding. Once the windows have passed, the row counts
 * stop growing while the messages keep flowing.
 */
describe('Bounded stores under constant ingest', () => {
  let suite: ApiSuite;
  let producer: TestDatabase;
  let consumer: TestDatabase;
  let worker: WorkerProcess | undefined;
  let relay: OutboxRelay | undefined;
  let inboxCleanup: InboxCleanup | undefined;
  let server: Server | undefined;

  beforeAll(async () => {
    suite = await startApiSuite({
      IDEM_MESSAGE_RETENTION: `${MESSAGE_RETENTION_MS}ms`,
      IDEM_IDEMPOTENCY_RETENTION: `${IDEMPOTENCY_RETENTION_MS}ms`,
      IDEM_SEND_TIME_KEY_WINDOW: `${SEND_TIME_KEY_WINDOW_MS}ms`,
      IDEM_CLEANUP_INTERVAL: `${CLEANUP_INTERVAL_MS}ms`,
    });
    producer = await TestDatabase.create();
    consumer = await TestDatabase.create();
  });

  afterAll(async () => {
    await relay?.stop();
    await inboxCleanup?.stop();
    await worker?.stop();
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
    await producer?.drop();
    await consumer?.drop();
    await suite?.close();
  });

  it('keeps messages, deliveries, attempts, idempotency records, event ids, sagas, the detector\'s memory and findings, the SDK inbox and outbox flat while messages keep flowing', async () => {
    // The consumer: an atomic inbox remembering ids for a few seconds, and its cleanup.
    const inbox = new PostgresInbox<PoolClient>(consumer.pool, { ttlMs: SDK_RETENTION_MS });
    await inbox.install();
    inboxCleanup = inbox.startCleanup({ intervalMs: CLEANUP_INTERVAL_MS });
    let processed = 0;
    let receiver: WebhookReceiver<PoolClient> | undefined;
    server = createServer(async (request, response) => {
      const answer = await receiver!.receive({ body: await readRawBody(request), headers: request.headers }, async () => {
        processed++;
      });
      response.writeHead(answer.status, answer.headers).end(answer.body);
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const app = await suite.svix.application.create({ name: 'shop', uid: 'shop' });
    const endpoint = await suite.svix.endpoint.create(app.id, { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks` });
    receiver = new WebhookReceiver<PoolClient>({ secret: (await suite.svix.endpoint.getSecret(app.id, endpoint.id)).key, store: inbox });
    for (const name of ['order.pack', 'order.unpack']) await suite.svix.eventType.create({ name, description: name });

    worker = await WorkerProcess.start(suite.environment.env, 90_000);

    // The producer: an outbox and its relay, which deletes shipped rows a few seconds on.
    const outbox = new PostgresOutbox();
    await outbox.install(producer.pool);
    // The relay ships through the batch create (eventId records); direct sends carry an Idempotency-Key (its records).
    const client = new IdemClient({ baseUrl: suite.url, token: suite.environment.adminToken });
    relay = new OutboxRelay(producer.pool, {
      client,
      pollIntervalMs: 50,
      retentionMs: SDK_RETENTION_MS,
      cleanupIntervalMs: CLEANUP_INTERVAL_MS,
    });
    relay.start();

    let sequence = 0;
    const enqueue = () =>
      outbox.enqueue(producer.pool, {
        app: 'shop',
        eventType: 'order.paid',
        payload: { order: ++sequence },
        idempotencyKey: mintIdempotencyKey({ source: 'shop', entity: `order:${sequence}`, version: 1 }),
      });

    // One event through everything first, so that start-up is not mistaken for a level.
    await enqueue();
    const warmUpDeadline = Date.now() + 60_000;
    while (processed === 0) {
      if (Date.now() > warmUpDeadline) throw new Error(`the first event did not get through:\n${worker.log}`);
      await sleep(50);
    }

    const countRows = async (): Promise<Record<string, number>> => {
      const idem = await suite.db.query<Record<string, string>>(
        `SELECT (SELECT count(*) FROM messages) AS messages, (SELECT count(*) FROM deliveries) AS deliveries,
                (SELECT count(*) FROM attempts) AS attempts, (SELECT count(*) FROM idempotency_records) AS idempotency_records,
                (SELECT count(*) FROM message_event_ids) AS message_event_ids, (SELECT count(*) FROM sagas) AS sagas,
                (SELECT count(*) FROM payload_fingerprints) AS payload_fingerprints, (SELECT count(*) FROM idempotency_findings) AS idempotency_findings`,
      );
      const inboxRows = await consumer.pool.query<{ n: string }>('SELECT count(*) AS n FROM idem_inbox');
      const outboxRows = await producer.pool.query<{ n: string }>('SELECT count(*) AS n FROM idem_outbox');
      return {
        ...Object.fromEntries(Object.entries(idem.rows[0]).map(([table, count]) => [table, Number(count)])),
        idem_inbox: Number(inboxRows.rows[0].n),
        idem_outbox: Number(outboxRows.rows[0].n),
      };
    };

    // Constant ingest (one event about every 40 ms, never catching up after a stall), sampled meanwhile.
    const startedAt = Date.now();
    const samples: Sample[] = [];
    const ingest = (async () => {
      for (let round = 0; Date.now() - startedAt < RUN_MS; round++) {
        if (round % 2 === 0) await enqueue();
        else await client.sendMessage('shop', { eventType: 'order.shipped', payload: { order: ++sequence } }, { idempotencyKey: `direct-${sequence}` });
        // Each saga completes once its one step is delivered, and is then kept for the message retention.
        if (round % 4 === 1) {
          const pack = { eventType: 'order.pack', payload: { order: sequence } };
          await client.startSaga('shop', { sagaId: `order-${sequence}`, steps: [{ name: 'pack', ...pack, compensation: { ...pack, eventType: 'order.unpack' } }] });
        }
        // The same content under a fresh key each time: a send-time-key finding.
        if (round % 4 === 3) await client.sendMessage('shop', { eventType: 'shop.pinged', payload: { open: true } }, { idempotencyKey: `ping-${sequence}` });
        await sleep(40);
      }
    })();
    while (Date.now() - startedAt < RUN_MS) {
      samples.push({ atMs: Date.now() - startedAt, processed, rows: await countRows() });
      await sleep(SAMPLE_EVERY_MS);
    }
    await ingest;

    const during = (from: number, until: number) => samples.filter((sample) => sample.atMs >= from && sample.atMs < until);
    const reference = during(REFERENCE_FROM_MS, REFERENCE_UNTIL_MS);
    const lastThird = during(LAST_THIRD_FROM_MS, Infinity);
    expect(reference.length).toBeGreaterThan(0);
    expect(lastThird.length).toBeGreaterThan(0);
    // Messages flowed all along: what went through after the reference alone would have at least
    // doubled every table had nothing been deleted, so a level that holds means the cleanups work.
    const flowedSinceReference = lastThird.at(-1)!.processed - reference.at(-1)!.processed;
    const tables = Object.keys(samples[0].rows);
    const levels = tables.map((table) => ({
      table,
      level: Math.max(...reference.map((sample) => sample.rows[table])),
      late: Math.max(...lastThird.map((sample) => sample.rows[table])),
    }));
    expect(levels.filter(({ level }) => level === 0)).toEqual([]);
    expect(levels.filter(({ level }) => flowedSinceReference < level).map(({ table }) => ({ table, flowedSinceReference }))).toEqual([]);
    const grew = levels
      .filter(({ level, late }) => late > 1.5 * level)
      .map((grown) => ({ ...grown, series: samples.map((sample) => [sample.atMs, sample.rows[grown.table]]) }));
    expect(grew).toEqual([]);
  });
});
