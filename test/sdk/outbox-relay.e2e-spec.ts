import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import { IdemClient, mintIdempotencyKey, OutboxRelay, PostgresOutbox } from '@idem/sdk/emitter';
import { FakeIngestServer } from './support/fake-ingest-server';
import { TestDatabase } from './support/test-database';

const repositoryRoot = join(__dirname, '..', '..');

/** Polls until `condition` holds, failing after `timeoutMs`. */
async function eventually(condition: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await sleep(25);
  }
}

function startRelayProcess(env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', 'test/sdk/support/relay-process.ts'], {
    cwd: repositoryRoot,
    env: { ...process.env, ...env, TS_NODE_TRANSPILE_ONLY: 'true' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

describe(OutboxRelay.name, () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let server: FakeIngestServer;
  let table: string;
  let outbox: PostgresOutbox;
  let tableNumber = 0;

  beforeAll(async () => {
    database = await TestDatabase.create();
    dataSource = await new DataSource({ type: 'postgres', ...database.connection }).initialize();
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  beforeEach(async () => {
    table = `outbox_${++tableNumber}`;
    outbox = new PostgresOutbox({ table });
    await outbox.install(database.pool);
    server = await new FakeIngestServer().start();
  });

  afterEach(() => server.stop());

  async function enqueueEvents(count: number): Promise<string[]> {
    const keys: string[] = [];
    const client = await database.pool.connect();
    try {
      await client.query('BEGIN');
      for (let i = 0; i < count; i++) {
        const idempotencyKey = mintIdempotencyKey({ source: 'shop', entity: `order:${i}`, version: 1 });
        await outbox.enqueue(client, { app: 'app_shop', eventType: 'order.paid', payload: { orderId: i }, idempotencyKey });
        keys.push(idempotencyKey);
      }
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    return keys;
  }

  async function rows(): Promise<Array<{ idempotency_key: string; status: string; attempts: number; last_error: string | null; message_id: string | null }>> {
    return (await database.pool.query(`SELECT idempotency_key, status, attempts, last_error, message_id FROM ${table} ORDER BY id`)).rows;
  }

  async function countByStatus(status: string): Promise<number> {
    return Number((await database.pool.query(`SELECT count(*) AS n FROM ${table} WHERE status = $1`, [status])).rows[0].n);
  }

  function relayFor(options: Partial<ConstructorParameters<typeof OutboxRelay>[1]> = {}): OutboxRelay {
    return new OutboxRelay(database.pool, {
      client: new IdemClient({ baseUrl: server.url, token: 'tok' }),
      table,
      pollIntervalMs: 20,
      retry: { baseDelayMs: 20, maxDelayMs: 100 },
      ...options,
    });
  }

  describe('enqueue', () => {
    it("writes the event only when the caller's pg transaction commits", async () => {
      const client = await database.pool.connect();
      const event = { app: 'app_shop', eventType: 'order.paid', payload: { orderId: 1 } };
      try {
        await client.query('BEGIN');
        await outbox.enqueue(client, { ...event, idempotencyKey: 'rolled-back' });
        await client.query('ROLLBACK');
        await client.query('BEGIN');
        await outbox.enqueue(client, { ...event, idempotencyKey: 'committed' });
        await client.query('COMMIT');
      } finally {
        client.release();
      }

      expect((await rows()).map((row) => row.idempotency_key)).toEqual(['committed']);
    });

    it("writes the event only when the caller's TypeORM transaction commits", async () => {
      const event = { app: 'app_shop', eventType: 'order.paid', payload: { orderId: 1 } };
      await dataSource
        .transaction(async (manager) => {
          await outbox.enqueue(manager, { ...event, idempotencyKey: 'rolled-back' });
          throw new Error('business rule failed');
        })
        .catch(() => undefined);
      await dataSource.transaction((manager) => outbox.enqueue(manager, { ...event, idempotencyKey: 'committed' }));

      expect((await rows()).map((row) => row.idempotency_key)).toEqual(['committed']);
    });

    it('writes one row when the same key is enqueued again by a retried business transaction', async () => {
      const event = { app: 'app_shop', eventType: 'order.paid', payload: { orderId: 1 }, idempotencyKey: 'same-key' };

      const results = [await outbox.enqueue(database.pool, event), await outbox.enqueue(database.pool, event)];

      expect(results).toEqual([{ enqueued: true }, { enqueued: false }]);
      expect(await rows()).toHaveLength(1);
    });
  });

  it('ships every event exactly once when a relay is SIGKILLed mid-run and two others take over', async () => {
    server = await (await server.stop(), new FakeIngestServer({ delayMs: 15 })).start();
    const keys = await enqueueEvents(200);
    const env = { DATABASE_URL: database.url, INGEST_URL: server.url, OUTBOX_TABLE: table };

    const doomed = startRelayProcess(env);
    await eventually(async () => server.acceptedByKey.size >= 40, 30_000, 'the first relay to ship 40 events');
    doomed.kill('SIGKILL');
    await once(doomed, 'exit');
    const pendingAtKill = await countByStatus('pending');
    const successors = [startRelayProcess(env), startRelayProcess(env)];
    try {
      await eventually(async () => (await countByStatus('shipped')) === 200, 60_000, 'all 200 events to be shipped');
    } finally {
      for (const successor of successors) successor.kill('SIGKILL');
    }

    expect(pendingAtKill).toBeGreaterThan(0);
    expect([...server.acceptedByKey.keys()].sort()).toEqual([...keys].sort());
    expect([...server.acceptedByKey.values()].every((count) => count === 1)).toBe(true);
    // Only a row that got through just before the kill, its commit lost, may be sent again: as a replay.
    expect(server.replays).toBeLessThanOrEqual(10);
    expect(server.overlaps).toBe(0);
    expect(server.requests.every((request) => request.body.eventId === request.key)).toBe(true);
  });

  it('honours 429 Retry-After: nothing is sent until it has passed', async () => {
    await enqueueEvents(3);
    let rateLimited = false;
    server.script = () => {
      if (rateLimited) return undefined;
      rateLimited = true;
      return { status: 429, headers: { 'retry-after': '1' }, body: { code: 'rate_limited' } };
    };
    const sut = relayFor({ concurrency: 1 });

    sut.start();
    await eventually(async () => (await countByStatus('shipped')) === 3, 10_000, 'the 3 events to be shipped');
    await sut.stop();

    const [limited] = server.requests;
    const after = server.requests.filter((request) => request.call !== limited.call);
    expect(after.length).toBeGreaterThanOrEqual(3);
    expect(Math.min(...after.map((request) => request.at)) - limited.at).toBeGreaterThanOrEqual(1000);
    expect([...server.acceptedByKey.values()]).toEqual([1, 1, 1]);
  });

  it('marks refused rows failed without retrying them, and retries transient failures until shipped', async () => {
    const [refused, conflicting, flaky, inFlight] = await enqueueEvents(4);
    // The first batch create fails as a whole (every row retries); in the next, Idem refuses two rows and finds one in flight.
    let failedCall: number | undefined;
    const inFlightAnswers = [{ status: 409, body: { code: 'idempotency_in_flight' } }];
    server.script = (request) => {
      failedCall ??= request.call;
      if (request.call === failedCall) return { status: 503 };
      if (request.key === refused) return { status: 422, body: { code: 'validation', detail: 'payload too large' } };
      if (request.key === conflicting) return { status: 409, body: { code: 'conflict', detail: 'eventId used with another body' } };
      if (request.key === inFlight) return inFlightAnswers.shift();
      return undefined;
    };
    const sut = relayFor();

    for (let round = 0; round < 200 && (await countByStatus('pending')) > 0; round++) {
      await sut.runOnce();
      await sleep(20);
    }

    const byKey = new Map((await rows()).map((row) => [row.idempotency_key, row]));
    expect(byKey.get(refused)).toMatchObject({ status: 'failed', attempts: 2, last_error: expect.stringContaining('422') });
    expect(byKey.get(conflicting)).toMatchObject({ status: 'failed', attempts: 2, last_error: expect.stringContaining('conflict') });
    expect(byKey.get(flaky)).toMatchObject({ status: 'shipped', attempts: 2, message_id: expect.stringMatching(/^msg_/) });
    expect(byKey.get(inFlight)).toMatchObject({ status: 'shipped', attempts: 3 });
    expect(server.requests.filter((request) => request.key === refused)).toHaveLength(2);
  });

  it('ships all of a batch in one batch create call per application', async () => {
    await enqueueEvents(7);
    await outbox.enqueue(database.pool, { app: 'app_other', eventType: 'order.paid', payload: { orderId: 99 }, idempotencyKey: 'other-app' });

    expect(await relayFor({ batchSize: 50 }).runOnce()).toMatchObject({ claimed: 8, shipped: 8 });

    const calls = new Map<number, Set<string>>();
    for (const request of server.requests) calls.set(request.call, (calls.get(request.call) ?? new Set()).add(request.app));
    expect([...calls.values()].map((apps) => [...apps])).toEqual(expect.arrayContaining([['app_shop'], ['app_other']]));
    expect(calls.size).toBe(2);
  });

  it('deletes shipped rows past the retention window and keeps the rest', async () => {
    const [old, recent, failed] = await enqueueEvents(4);
    await database.pool.query(`UPDATE ${table} SET status = 'shipped', shipped_at = now() - interval '8 days' WHERE idempotency_key = $1`, [old]);
    await database.pool.query(`UPDATE ${table} SET status = 'shipped', shipped_at = now() - interval '1 day' WHERE idempotency_key = $1`, [recent]);
    await database.pool.query(`UPDATE ${table} SET status = 'failed', created_at = now() - interval '30 days' WHERE idempotency_key = $1`, [failed]);

    const deleted = await relayFor({ retentionMs: 7 * 24 * 60 * 60 * 1000 }).deleteShipped();

    expect(deleted).toBe(1);
    expect((await rows()).map((row) => row.idempotency_key)).not.toContain(old);
    expect(await rows()).toHaveLength(3);
  });

  it('keeps the outbox bounded while running: its cleanup deletes every old shipped row, however many batches that takes', async () => {
    // More old rows than one statement's limit, as a relay shipping faster than one batch per interval leaves.
    await database.pool.query(
      `INSERT INTO ${table} (app, idempotency_key, event_type, payload, status, shipped_at)
       SELECT 'app_shop', 'old-' || n, 'order.paid', '{}', 'shipped', now() - interval '8 days' FROM generate_series(1, 12500) AS n`,
    );
    const [pending] = await enqueueEvents(1);
    const relay = relayFor({ retentionMs: 7 * 24 * 60 * 60 * 1000 });
    relay.start();
    try {
      await eventually(async () => (await countByStatus('shipped')) <= 1 && (await rows()).some((row) => row.idempotency_key === pending && row.status === 'shipped'), 20_000, 'cleanup and ship');
    } finally {
      await relay.stop();
    }
    expect((await rows()).map((row) => row.idempotency_key)).toEqual([pending]);
  });
});
