import { ReceivedWebhook } from '../support/fake-receiver';
import { until } from '../support/until';
import { WorkerProcess } from '../support/worker-process';
import { ApiSuite, startApiSuite } from '../api/support/api-suite';

jest.setTimeout(120_000);

const contract = (onExhausted: 'skip' | 'block') => ({ semantics: 'delta', entity: 'account', entityIdPath: '/account', ordering: 'entity', onExhausted });

/**
 * Per-entity ordered lanes, end to end: real worker processes, receivers on 127.0.0.1, Postgres and
 * Redis. Short schedules (four attempts a second apart) stand in for hours.
 */
describe('Ordered lanes, end to end', () => {
  let suite: ApiSuite;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    suite = await startApiSuite({ IDEM_RETRY_SCHEDULE: '1s,1s,1s', IDEM_SWEEP_INTERVAL: '200ms', IDEM_DELIVERY_TIMEOUT: '2s' });
    for (const [name, onExhausted] of [
      ['account.skip', 'skip'],
      ['account.block', 'block'],
    ] as const) {
      expect((await suite.request('POST', '/api/v1/event-type', { body: { name, description: name, retrySafety: contract(onExhausted) } })).status).toBe(201);
    }
    workers.push(...(await Promise.all([WorkerProcess.start(suite.environment.env, 90_000), WorkerProcess.start(suite.environment.env, 90_000)])));
  });

  afterAll(async () => {
    await Promise.all(workers.map((worker) => worker.stop()));
    await suite?.close();
  });

  const accountOf = (webhook: ReceivedWebhook) => (JSON.parse(webhook.body) as { account: string }).account;
  const seqOf = (webhook: ReceivedWebhook) => (JSON.parse(webhook.body) as { seq: number }).seq;
  const statusOf = async (messageId: string) => (await suite.db.query('SELECT status FROM deliveries WHERE message_id = $1', [messageId])).rows[0]?.status as string;
  /** Sends `count` messages of `account`, one after another, so their acceptance order is their `seq`. */
  const send = async (appId: string, eventType: string, account: string, count: number, from = 1) => {
    const ids: string[] = [];
    for (let seq = from; seq < from + count; seq++) ids.push((await suite.svix.message.create(appId, { eventType, payload: { account, seq } })).id);
    return ids;
  };
  /** The order in which `account`'s messages were answered 2xx, and the most requests of it in flight at once. */
  const laneRecord = () => {
    const inFlight = new Map<string, number>();
    const delivered = new Map<string, number[]>();
    let mostInFlight = 0;
    return {
      delivered,
      get mostInFlight() {
        return mostInFlight;
      },
      enter(webhook: ReceivedWebhook) {
        const account = accountOf(webhook);
        inFlight.set(account, (inFlight.get(account) ?? 0) + 1);
        mostInFlight = Math.max(mostInFlight, inFlight.get(account)!);
      },
      leave(webhook: ReceivedWebhook, status: number) {
        const account = accountOf(webhook);
        inFlight.set(account, inFlight.get(account)! - 1);
        if (status >= 200 && status < 300) delivered.set(account, [...(delivered.get(account) ?? []), seqOf(webhook)]);
      },
    };
  };

  it("holds back only the failing entity's lane: another entity to the same endpoint flows meanwhile", async () => {
    const lanes = laneRecord();
    let aFailures = 0;
    const { receiver, app } = await suite.endpointReceiving(async (webhook) => {
      lanes.enter(webhook);
      const status = accountOf(webhook) === 'A' && seqOf(webhook) === 1 && aFailures++ < 3 ? 500 : 200;
      await new Promise((resolve) => setTimeout(resolve, 20));
      lanes.leave(webhook, status);
      return { status };
    });

    const started = Date.now();
    const a = await send(app.id, 'account.skip', 'A', 3);
    await send(app.id, 'account.skip', 'B', 5);

    await receiver.waitFor(() => (lanes.delivered.get('B') ?? []).length === 5);
    const bDoneAfterMs = Date.now() - started;
    expect(lanes.delivered.get('A') ?? []).toEqual([]);
    expect(await statusOf(a[1])).toMatch(/^(pending|queued)$/);
    await receiver.waitFor(() => (lanes.delivered.get('A') ?? []).length === 3, 30_000);

    // A's head took three retries a second apart; B did not wait for them.
    expect(bDoneAfterMs).toBeLessThan(2_500);
    expect(lanes.delivered.get('A')).toEqual([1, 2, 3]);
    expect(lanes.delivered.get('B')).toEqual([1, 2, 3, 4, 5]);
    expect(lanes.mostInFlight).toBe(1);
    // A's later messages were not sent while its head failed.
    const firstA2 = receiver.received.findIndex((w) => accountOf(w) === 'A' && seqOf(w) === 2);
    expect(receiver.received.slice(firstA2).every((w) => !(accountOf(w) === 'A' && seqOf(w) === 1))).toBe(true);
  });

  it('skip: an exhausted head fails, and its lane moves on to the next message', async () => {
    const { receiver, app, endpoint } = await suite.endpointReceiving((webhook) => ({ status: seqOf(webhook) === 1 ? 500 : 200 }));

    const [head, next] = await send(app.id, 'account.skip', 'S', 2);

    await until(async () => (await statusOf(next)) === 'succeeded', 'the next message delivered after its head failed', 30_000);
    expect(await statusOf(head)).toBe('failed');
    expect(receiver.received.filter((w) => seqOf(w) === 1)).toHaveLength(4);
    expect(receiver.received.at(-1) && seqOf(receiver.received.at(-1)!)).toBe(2);
    const destinations = (await suite.request('GET', `/api/v1/app/${app.id}/msg/${head}/endpoint`)).body.data;
    expect(destinations.find((d: { id: string }) => d.id === endpoint.id)).toMatchObject({ status: 2, idemStatus: 'failed' });
  });

  it('block: an exhausted head blocks its lane until it is resent, then the lane moves on', async () => {
    let up = false;
    const { receiver, app, endpoint } = await suite.endpointReceiving((webhook) => ({ status: seqOf(webhook) === 1 && !up ? 503 : 200 }));

    const [head, next] = await send(app.id, 'account.block', 'K', 2);

    await until(async () => (await statusOf(head)) === 'blocked', 'the head to be blocked', 30_000);
    expect(await statusOf(next)).toBe('queued');
    expect(receiver.received.filter((w) => seqOf(w) === 2)).toHaveLength(0);
    const destinations = (await suite.request('GET', `/api/v1/app/${app.id}/msg/${head}/endpoint`)).body.data;
    expect(destinations[0]).toMatchObject({ status: 2, idemStatus: 'blocked' });
    const waiting = (await suite.request('GET', `/api/v1/app/${app.id}/msg/${next}/endpoint`)).body.data;
    expect(waiting[0]).toMatchObject({ status: 1, idemStatus: 'queued' });

    up = true;
    const resend = await suite.request('POST', `/api/v1/app/${app.id}/msg/${head}/endpoint/${endpoint.id}/resend`);
    expect(resend.body).toMatchObject({ idemStatus: 'blocked', detail: expect.stringContaining('blocks its ordered lane') });

    await until(async () => (await statusOf(next)) === 'succeeded', 'the lane to move on after the resend', 30_000);
    expect(await statusOf(head)).toBe('succeeded');
    expect(receiver.received.map(seqOf).slice(-2)).toEqual([1, 2]);
  });

  it('rebuilds lanes from Postgres when Redis loses every job mid-lane, and keeps each entity in order', async () => {
    const lanes = laneRecord();
    const { receiver, app } = await suite.endpointReceiving(async (webhook) => {
      lanes.enter(webhook);
      await new Promise((resolve) => setTimeout(resolve, 50));
      lanes.leave(webhook, 200);
      return { status: 200 };
    });
    const accounts = ['r1', 'r2', 'r3'];
    const messages: string[] = [];
    for (const account of accounts) messages.push(...(await send(app.id, 'account.skip', account, 5)));

    await receiver.waitFor((received) => received.length >= 4);
    await suite.environment.flushQueueKeys();

    await until(async () => (await suite.count('deliveries', "status = 'succeeded' AND message_id = ANY($1)", [messages])) === messages.length, 'every message delivered', 60_000);
    for (const account of accounts) expect((lanes.delivered.get(account) ?? []).filter((seq, index, all) => index === 0 || all[index - 1] !== seq)).toEqual([1, 2, 3, 4, 5]);
    expect(lanes.mostInFlight).toBe(1);
  });

  it('keeps each entity in order, one request at a time, across two workers when one is SIGKILLed mid-lane', async () => {
    const lanes = laneRecord();
    let killed = false;
    const { receiver, app } = await suite.endpointReceiving(async (webhook) => {
      lanes.enter(webhook);
      await new Promise((resolve) => setTimeout(resolve, killed ? 5 : 150));
      lanes.leave(webhook, 200);
      return { status: 200 };
    });
    const accounts = ['k1', 'k2', 'k3', 'k4', 'k5', 'k6'];
    const messages: string[] = [];
    for (const account of accounts) messages.push(...(await send(app.id, 'account.skip', account, 6)));

    await receiver.waitFor((received) => received.length >= 12);
    workers[0].kill('SIGKILL');
    await workers[0].exited;
    killed = true;
    workers[0] = await WorkerProcess.start(suite.environment.env, 90_000);

    await until(async () => (await suite.count('deliveries', "status = 'succeeded' AND message_id = ANY($1)", [messages])) === messages.length, 'every message delivered', 60_000);
    for (const account of accounts) {
      // A head redelivered after the kill may arrive twice in a row; the order never goes back.
      const order = (lanes.delivered.get(account) ?? []).filter((seq, index, all) => index === 0 || all[index - 1] !== seq);
      expect(order).toEqual([1, 2, 3, 4, 5, 6]);
    }
    expect(lanes.mostInFlight).toBe(1);
  });
});
