import { IdemClient } from '@idem/sdk/emitter';
import type { INestApplicationContext } from '@nestjs/common';
import IORedis from 'ioredis';
import type { ApplicationOut, EndpointOut } from 'svix';
import { declareOrderState, publishOrder } from '../../examples/how-to-choose/absolute-state/emitter';
import { startOrderMirror } from '../../examples/how-to-choose/absolute-state/receiver';
import { announceSignUp } from '../../examples/how-to-choose/dedup-floor/emitter';
import { startWelcomeMailer, WELCOME_DEDUP_PREFIX } from '../../examples/how-to-choose/dedup-floor/receiver';
import { installBilling, markInvoicePaid, outboxRelay } from '../../examples/how-to-choose/idempotency-keys/emitter';
import { startPayouts } from '../../examples/how-to-choose/idempotency-keys/receiver';
import { declareShopEventTypes, PAYMENT_EVENTS, placeOrder, STOCK_EVENTS } from '../../examples/how-to-choose/sagas/emitter';
import { startShopServices } from '../../examples/how-to-choose/sagas/receiver';
import type { ServedWebhooks } from '../../examples/how-to-choose/serve';
import { declareBalanceChanges, publishChange } from '../../examples/how-to-choose/version-checks/emitter';
import { startLedger } from '../../examples/how-to-choose/version-checks/receiver';
import { ApiSuite, startApiSuite } from '../api/support/api-suite';
import { DeliveryFactory } from '../sdk/support/delivery.factory';
import { TestDatabase } from '../sdk/support/test-database';
import { until } from '../support/until';

/**
 * The README's "How to choose": each pattern's example emitter sends through a real API and worker to
 * its example receiver on 127.0.0.1, under the repeat the pattern exists for, and the receiver's effect
 * happens once.
 */
describe('How to choose: the examples, emitter → Idem → receiver', () => {
  let suite: ApiSuite;
  let worker: INestApplicationContext;
  let producer: TestDatabase;
  let consumer: TestDatabase;
  let redis: IORedis;
  let token: string;
  const receivers: ServedWebhooks[] = [];

  beforeAll(async () => {
    suite = await startApiSuite({ IDEM_RETRY_SCHEDULE: '200ms', IDEM_SWEEP_INTERVAL: '200ms' });
    const { createWorkerApp } = await import('../../apps/worker/src/worker-app');
    worker = await createWorkerApp();
    [producer, consumer] = await Promise.all([TestDatabase.create(), TestDatabase.create()]);
    redis = new IORedis(suite.environment.redisUrl);
    token = suite.environment.adminToken;
  });

  afterAll(async () => {
    await Promise.all(receivers.map((receiver) => receiver.close()));
    redis?.disconnect();
    await Promise.all([producer?.drop(), consumer?.drop()]);
    await worker?.close();
    await suite?.close();
  });

  /** A new application with an endpoint at each receiver, signed with the secret that receiver verifies. */
  async function applicationReceiving(
    name: string,
    endpoints: { receiver: ServedWebhooks; secret: string; filterTypes?: string[] }[],
  ): Promise<{ app: ApplicationOut; endpoints: EndpointOut[] }> {
    const app = await suite.svix.application.create({ name });
    const created = [];
    for (const { receiver, secret, filterTypes } of endpoints) {
      receivers.push(receiver);
      created.push(await suite.svix.endpoint.create(app.id, { url: receiver.url, secret, filterTypes }));
    }
    return { app, endpoints: created };
  }

  /** Idem's status of each message's deliveries, once none is still waiting or in flight. */
  async function settledStatuses(messageIds: string[]): Promise<string[]> {
    const statuses = async () =>
      (await suite.db.query<{ status: string }>('SELECT d.status FROM deliveries d WHERE d.message_id = ANY($1) ORDER BY array_position($1, d.message_id)', [messageIds])).rows.map(
        (row) => row.status,
      );
    await until(async () => (await statuses()).every((status) => !['pending', 'sending', 'queued'].includes(status)), 'the deliveries to end', 30_000);
    return statuses();
  }

  async function rows<T>(database: TestDatabase, sql: string, params: unknown[] = []): Promise<T[]> {
    return (await database.pool.query(sql, params)).rows as T[];
  }

  /** Waits for the message's `count`th attempt to the endpoint and answers every attempt's Svix status. */
  async function attemptStatuses(appId: string, messageId: string, count: number): Promise<number[]> {
    const list = async () => (await suite.svix.messageAttempt.listByMsg(appId, messageId)).data;
    await until(async () => (await list()).length >= count, `attempt ${count} of ${messageId}`);
    return (await list()).map((attempt) => attempt.status);
  }

  it('absolute state: the mirror ends on the newest order; a late older version and a repeat of the newest are never sent', async () => {
    await declareOrderState(suite.url, token);
    const secret = DeliveryFactory.secret();
    const { app } = await applicationReceiving('order mirror', [{ receiver: await startOrderMirror(consumer.pool, secret), secret }]);

    const sent = [];
    for (const version of [1, 3, 2, 3]) sent.push(await publishOrder(suite.svix, app.id, { id: 'ord_1', version, status: `v${version}`, total: 10 * version }));

    await settledStatuses(sent);
    const stale = await Promise.all(sent.map(async (id) => (await suite.request('GET', `/api/v1/app/${app.id}/msg/${id}`)).body.entity.stale));
    expect(stale).toEqual([false, false, true, true]);
    expect(await suite.count('deliveries', 'message_id = ANY($1)', [sent.slice(2)])).toBe(0);
    expect(await rows(consumer, 'SELECT id, version, status, total FROM orders_replica')).toEqual([{ id: 'ord_1', version: 3, status: 'v3', total: 30 }]);
    // Version 1 is applied, or superseded by 3 before it was sent; nothing else ever lands.
    const applied = (await rows<{ version: number }>(consumer, 'SELECT version FROM orders_applied ORDER BY seq')).map((row) => row.version);
    expect([[1, 3], [3]]).toContainEqual(applied);
  });

  it('idempotency keys: a retried request and a relay that lost Idem’s answer make one message, and its redelivery one payout', async () => {
    await installBilling(producer.pool);
    await producer.pool.query("INSERT INTO invoices (id, amount) VALUES ('inv_1', 120)");
    const secret = DeliveryFactory.secret();
    const { app, endpoints } = await applicationReceiving('billing', [{ receiver: await startPayouts(consumer.pool, secret), secret }]);

    expect(await markInvoicePaid(producer.pool, app.id, 'inv_1')).toBe(true);
    expect(await markInvoicePaid(producer.pool, app.id, 'inv_1')).toBe(false);
    // Idem accepts the relay's first call, and its answer is lost on the way back: the row is shipped again.
    const idem = new IdemClient({ baseUrl: suite.url, token });
    let answers = 0;
    const relay = outboxRelay(producer.pool, {
      attemptStartSaga: (appId, saga) => idem.attemptStartSaga(appId, saga),
      async attemptSendBatch(appId, messages) {
        const accepted = await idem.attemptSendBatch(appId, messages);
        return answers++ === 0 ? messages.map(() => ({ outcome: 'retry' as const, detail: 'the answer was lost' })) : accepted;
      },
    });
    expect(await relay.runOnce()).toMatchObject({ claimed: 1, retrying: 1 });
    await until(async () => (await relay.runOnce()).shipped === 1, 'the relay to ship the row again');

    const messages = (await suite.svix.message.list(app.id)).data;
    expect(messages).toHaveLength(1);
    expect(await settledStatuses([messages[0].id])).toEqual(['succeeded']);
    await suite.svix.messageAttempt.resend(app.id, messages[0].id, endpoints[0].id);
    expect(await attemptStatuses(app.id, messages[0].id, 2)).toEqual([0, 0]);
    expect(await rows(consumer, 'SELECT invoice_id, amount FROM payouts')).toEqual([{ invoice_id: 'inv_1', amount: 120 }]);
  });

  it('version checks: each change to the balance lands once, and a replayed old change ends stale', async () => {
    await declareBalanceChanges(suite.url, token);
    const secret = DeliveryFactory.secret();
    const { app } = await applicationReceiving('ledger', [{ receiver: await startLedger(consumer.pool, secret), secret }]);

    const sent = [];
    for (const change of [
      { version: 0, amount: 5 },
      { version: 1, amount: 3 },
      { version: 0, amount: 5 },
    ]) {
      sent.push(await publishChange(suite.svix, app.id, { accountId: 'acc_1', ...change }));
    }

    expect(await settledStatuses(sent)).toEqual(['succeeded', 'succeeded', 'stale']);
    expect(await rows(consumer, 'SELECT account_id, balance FROM balances')).toEqual([{ account_id: 'acc_1', balance: 8 }]);
  });

  it('sagas: a paid order reserves and charges once; a declined charge releases its reservation; a retried start is the same saga', async () => {
    const secrets = { stock: DeliveryFactory.secret(), payments: DeliveryFactory.secret() };
    const services = await startShopServices(consumer.pool, secrets);
    const { app } = await applicationReceiving('shop', [
      { receiver: services.stock, secret: secrets.stock, filterTypes: Object.values(STOCK_EVENTS) },
      { receiver: services.payments, secret: secrets.payments, filterTypes: Object.values(PAYMENT_EVENTS) },
    ]);
    const idem = new IdemClient({ baseUrl: suite.url, token });
    await declareShopEventTypes(suite.url, token);
    const paid = { id: 'o1', sku: 'mug', amount: 25 };

    expect((await placeOrder(idem, app.id, paid)).replayed).toBe(false);
    expect((await placeOrder(idem, app.id, paid)).replayed).toBe(true);
    await placeOrder(idem, app.id, { id: 'o2', sku: 'lamp', amount: 5000 });

    const status = async (sagaId: string) => (await suite.request('GET', `/api/v1/app/${app.id}/saga/${sagaId}`)).body.status;
    await until(async () => (await status('order-o1')) === 'completed' && (await status('order-o2')) === 'compensated', 'both sagas to finish', 30_000);
    expect(await rows(consumer, 'SELECT order_id, quantity FROM stock_moves ORDER BY order_id, quantity DESC')).toEqual([
      { order_id: 'o1', quantity: 1 },
      { order_id: 'o2', quantity: 1 },
      { order_id: 'o2', quantity: -1 },
    ]);
    expect(await rows(consumer, 'SELECT order_id, amount FROM payments')).toEqual([{ order_id: 'o1', amount: 25 }]);
  });

  it('dedup as the floor: a send retried under its eventId is one message, and its redelivery one email', async () => {
    const secret = DeliveryFactory.secret();
    const emails: string[] = [];
    const mailer = await startWelcomeMailer(redis, secret, async (to) => void emails.push(to));
    const { app, endpoints } = await applicationReceiving('accounts', [{ receiver: mailer, secret }]);
    const signUp = { userId: 'u_17', email: 'ada@example.com' };

    const ids = [await announceSignUp(suite.svix, app.id, signUp), await announceSignUp(suite.svix, app.id, signUp)];
    try {
      expect(ids[1]).toBe(ids[0]);
      expect(await settledStatuses([ids[0]])).toEqual(['succeeded']);
      await suite.svix.messageAttempt.resend(app.id, ids[0], endpoints[0].id);
      expect(await attemptStatuses(app.id, ids[0], 2)).toEqual([0, 0]);
      expect(emails).toEqual(['ada@example.com']);
    } finally {
      await redis.del(WELCOME_DEDUP_PREFIX + ids[0]);
    }
  });
});
