import IORedis from 'ioredis';
import { throttleKey } from '../../apps/worker/src/delivery/endpoint-throttle';
import { ApiSuite, startApiSuite } from '../api/support/api-suite';
import { FakeReceiver } from '../support/fake-receiver';
import { WorkerProcess } from '../support/worker-process';

jest.setTimeout(120_000);

/** The most arrivals in any half-open window [t, t + windowMs). */
function busiestWindow(arrivals: readonly number[], windowMs: number): number {
  const times = [...arrivals].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[j] <= times[i] - windowMs) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

/**
 * The API in this process and two real worker processes, each with only two delivery slots, so a
 * throttled backlog that held slots while it waited would visibly hold up every other endpoint.
 */
describe('Throttling deliveries to an endpoint (throttleRate)', () => {
  let suite: ApiSuite;
  const workers: WorkerProcess[] = [];
  const receivers: FakeReceiver[] = [];

  beforeAll(async () => {
    suite = await startApiSuite({ IDEM_WORKER_CONCURRENCY: '2', IDEM_SWEEP_INTERVAL: '200ms', IDEM_REQUEUE_AFTER: '1s' });
    workers.push(...(await Promise.all([WorkerProcess.start(suite.environment.env), WorkerProcess.start(suite.environment.env)])));
  });

  afterAll(async () => {
    await Promise.all(workers.map((worker) => worker.stop()));
    await Promise.all(receivers.map((receiver) => receiver.close()));
    await suite?.close();
  });

  async function endpointWithReceiver(appId: string, throttleRate?: number): Promise<FakeReceiver> {
    const receiver = await FakeReceiver.start();
    receivers.push(receiver);
    const endpoint = await suite.svix.endpoint.create(appId, { url: receiver.url, throttleRate });
    receiver.verifyWith((await suite.svix.endpoint.getSecret(appId, endpoint.id)).key);
    return receiver;
  }

  async function sendBurst(appId: string, count: number): Promise<string[]> {
    const messages = await Promise.all(Array.from({ length: count }, (_, n) => suite.svix.message.create(appId, { eventType: 'order.created', payload: { n } })));
    return messages.map((message) => message.id);
  }

  async function waitUntilAllSucceeded(appId: string, expected: number): Promise<void> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const { rows } = await suite.db.query<{ succeeded: string }>(`SELECT count(*) FILTER (WHERE status = 'succeeded') AS succeeded FROM deliveries WHERE app_id = $1`, [appId]);
      if (Number(rows[0].succeeded) === expected) return;
      if (Date.now() > deadline) throw new Error(`${rows[0].succeeded} of ${expected} deliveries succeeded`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Every delivery of the application: succeeded on its first scheduled attempt, the only attempt recorded. */
  async function expectEachDeliveredOnFirstAttempt(appId: string, expected: number): Promise<void> {
    const { rows } = await suite.db.query<{ status: string; scheduled_attempts: number; attempts: string[] }>(
      `SELECT d.status, d.scheduled_attempts,
              array_agg(a.attempt_number || ':' || a.trigger || ':' || a.outcome ORDER BY a.created_at) AS attempts
         FROM deliveries d LEFT JOIN attempts a ON a.delivery_id = d.id
        WHERE d.app_id = $1 GROUP BY d.id`,
      [appId],
    );
    expect(rows).toHaveLength(expected);
    for (const row of rows) expect(row).toEqual({ status: 'succeeded', scheduled_attempts: 1, attempts: ['1:scheduled:succeeded'] });
  }

  function expectEachMessageOnce(receiver: FakeReceiver, messageIds: readonly string[]): void {
    const counts = receiver.countsByMessageId();
    expect([...counts.keys()].sort()).toEqual([...messageIds].sort());
    expect([...counts.values()].every((count) => count === 1)).toBe(true);
    expect(receiver.received.every((webhook) => webhook.verified)).toBe(true);
  }

  it('sends a burst at the endpoint’s rate across both workers, each message once and on its first attempt, while another endpoint gets all of it first', async () => {
    const rate = 5;
    const app = await suite.svix.application.create({ name: 'throttled burst' });
    const throttled = await endpointWithReceiver(app.id, rate);
    const unthrottled = await endpointWithReceiver(app.id);

    const messageIds = await sendBurst(app.id, 40);
    await waitUntilAllSucceeded(app.id, 80);
    // Long enough for any duplicate, or any attempt the sweeper and the throttle started twice, to show.
    await new Promise((resolve) => setTimeout(resolve, 1_500));

    expectEachMessageOnce(throttled, messageIds);
    expectEachMessageOnce(unthrottled, messageIds);
    await expectEachDeliveredOnFirstAttempt(app.id, 80);
    // One second's worth at once after a quiet spell, then one every 1/rate s: at most 2 × rate in any
    // second. Reaching it takes returns later than the burst tolerance, so there is room for the network's
    // jitter on the way in.
    expect(busiestWindow(throttled.received.map((webhook) => webhook.receivedAt), 1_000)).toBeLessThanOrEqual(2 * rate);
    const lastArrival = (receiver: FakeReceiver) => Math.max(...receiver.received.map((webhook) => webhook.receivedAt));
    expect(lastArrival(unthrottled)).toBeLessThan(lastArrival(throttled));
    const { rows } = await suite.db.query('SELECT disabled, failing_since FROM endpoints WHERE app_id = $1', [app.id]);
    expect(rows).toEqual([
      { disabled: false, failing_since: null },
      { disabled: false, failing_since: null },
    ]);
  });

  it("applies the application's throttleRate to an endpoint that has none of its own", async () => {
    const rate = 3;
    const app = await suite.svix.application.create({ name: 'throttled application', throttleRate: rate });
    const receiver = await endpointWithReceiver(app.id);

    const messageIds = await sendBurst(app.id, 15);
    await waitUntilAllSucceeded(app.id, 15);

    expectEachMessageOnce(receiver, messageIds);
    await expectEachDeliveredOnFirstAttempt(app.id, 15);
    expect(busiestWindow(receiver.received.map((webhook) => webhook.receivedAt), 1_000)).toBeLessThanOrEqual(2 * rate);
  });

  it('delivers a waiting backlog once each, on its first attempt, when Redis loses the queue and the throttle mid-way', async () => {
    const app = await suite.svix.application.create({ name: 'throttled through a flush' });
    const receiver = await endpointWithReceiver(app.id, 2);

    const messageIds = await sendBurst(app.id, 12);
    await receiver.waitFor((received) => received.length >= 3);
    expect(await suite.environment.flushQueueKeys()).toBeGreaterThan(0);

    await waitUntilAllSucceeded(app.id, 12);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expectEachMessageOnce(receiver, messageIds);
    await expectEachDeliveredOnFirstAttempt(app.id, 12);
  });

  it('hands back deliveries whose slot is weeks away (a backlog of millions at 1/s), alongside other endpoints’ waiting deliveries', async () => {
    const app = await suite.svix.application.create({ name: 'throttled for weeks' });
    const farReceiver = await FakeReceiver.start();
    receivers.push(farReceiver);
    const far = await suite.svix.endpoint.create(app.id, { url: farReceiver.url, throttleRate: 1 });
    const near = await endpointWithReceiver(app.id, 1);
    // The limiter as a backlog of 2.6 million deliveries at 1/s leaves it: the next free slot is 30 days
    // away, a wait in ms past 2^31.
    const thirtyDaysMs = 30 * 86_400_000;
    const redis = new IORedis(suite.environment.redisUrl, { maxRetriesPerRequest: 1 });
    const [seconds, micros] = await redis.time();
    const queueEndsAt = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000) + thirtyDaysMs;
    const key = throttleKey(suite.environment.queuePrefix, far.id);
    await redis.zadd(key, queueEndsAt, 'tat', queueEndsAt, 'queue-end');
    await redis.pexpire(key, thirtyDaysMs * 2);
    redis.disconnect();

    const messageIds = await sendBurst(app.id, 2);

    await near.waitFor((received) => received.length === 2);
    expectEachMessageOnce(near, messageIds);
    const deadline = Date.now() + 30_000;
    for (;;) {
      const { rows } = await suite.db.query<{ status: string; scheduled_attempts: number; due_in_ms: number; attempts: string }>(
        `SELECT d.status, d.scheduled_attempts, extract(epoch FROM d.next_attempt_at - now()) * 1000 AS due_in_ms,
                (SELECT count(*) FROM attempts a WHERE a.delivery_id = d.id) AS attempts
           FROM deliveries d WHERE d.endpoint_id = $1`,
        [far.id],
      );
      if (rows.length === 2 && rows.every((row) => row.status === 'pending')) {
        for (const row of rows) {
          expect(row).toMatchObject({ status: 'pending', scheduled_attempts: 0, attempts: '0' });
          expect(Number(row.due_in_ms)).toBeGreaterThan(thirtyDaysMs - 60_000);
          expect(Number(row.due_in_ms)).toBeLessThan(thirtyDaysMs + 60_000);
        }
        break;
      }
      if (Date.now() > deadline) throw new Error(`deliveries to the far endpoint not handed back: ${JSON.stringify(rows)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(farReceiver.received).toHaveLength(0);
  });
});
