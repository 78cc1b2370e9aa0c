import { Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import express from 'express';
import { DataSource, EntityManager } from 'typeorm';
import {
  DedupStore,
  expressWebhookMiddleware,
  MemoryDedupStore,
  PostgresDedupStore,
  PostgresInbox,
  RedisDedupStore,
  SqlQueryable,
  TransactionalInbox,
  WebhookDelivery,
  WebhookReceiver,
} from '@idem/sdk/receiver';
import { DeliveryFactory, post } from './support/delivery.factory';
import { TestDatabase } from './support/test-database';
import { TestRedis } from './support/test-redis';

/**
 * Every store behind a real Express receiver on 127.0.0.1: concurrent duplicates, a crashing handler.
 * The side effect is a row in `effects`; atomic stores write it through the inbox transaction.
 */
interface StoreCase {
  name: string;
  store: () => DedupStore | TransactionalInbox<any>;
  atomic: boolean;
  /** Whether anything recorded for the id would stop the next delivery from processing it. */
  hasRecord: (messageId: string) => Promise<boolean>;
}

describe('receiver dedup stores (real Postgres, Redis and HTTP)', () => {
  const secret = DeliveryFactory.secret();
  let database: TestDatabase;
  let redis: TestRedis;
  let dataSource: DataSource;
  const memoryStore = new MemoryDedupStore();
  const servers: Server[] = [];

  const countRows = async (table: string, messageId: string): Promise<number> =>
    Number((await database.pool.query(`SELECT count(*) AS n FROM ${table} WHERE message_id = $1`, [messageId])).rows[0].n);

  const storeCases: StoreCase[] = [
    {
      name: 'in-memory',
      store: () => memoryStore,
      atomic: false,
      hasRecord: async (id) => {
        const claim = await memoryStore.claim(id);
        if (claim.status === 'claimed') await memoryStore.release(id, claim.token);
        return claim.status !== 'claimed';
      },
    },
    {
      name: 'Redis',
      store: () => new RedisDedupStore(redis.redis, { keyPrefix: redis.prefix }),
      atomic: false,
      hasRecord: async (id) => (await redis.redis.exists(redis.prefix + id)) === 1,
    },
    {
      name: 'Postgres',
      store: () => new PostgresDedupStore(database.pool, { table: 'inbox_leased' }),
      atomic: false,
      hasRecord: async (id) => (await countRows('inbox_leased', id)) > 0,
    },
    {
      name: 'Postgres atomic inbox (pg Pool)',
      store: () => new PostgresInbox(database.pool, { table: 'inbox_atomic_pg' }),
      atomic: true,
      hasRecord: async (id) => (await countRows('inbox_atomic_pg', id)) > 0,
    },
    {
      name: 'Postgres atomic inbox (TypeORM DataSource)',
      store: () => new PostgresInbox<EntityManager>(dataSource, { table: 'inbox_atomic_typeorm' }),
      atomic: true,
      hasRecord: async (id) => (await countRows('inbox_atomic_typeorm', id)) > 0,
    },
  ];

  beforeAll(async () => {
    database = await TestDatabase.create();
    redis = new TestRedis();
    dataSource = await new DataSource({ type: 'postgres', ...database.connection, extra: { max: 20 } }).initialize();
    await database.pool.query('CREATE TABLE effects (store text NOT NULL, message_id text NOT NULL, created_at timestamptz DEFAULT now())');
    await new PostgresDedupStore(database.pool, { table: 'inbox_leased' }).install();
    await new PostgresInbox(database.pool, { table: 'inbox_atomic_pg' }).install();
    await new PostgresInbox(dataSource, { table: 'inbox_atomic_typeorm' }).install();
  });

  afterAll(async () => {
    for (const server of servers) {
      server.closeAllConnections();
      server.close();
    }
    await dataSource?.destroy();
    await redis?.cleanup();
    await database?.drop();
  });

  async function effects(store: string, messageId: string): Promise<number> {
    return Number((await database.pool.query('SELECT count(*) AS n FROM effects WHERE store = $1 AND message_id = $2', [store, messageId])).rows[0].n);
  }

  /** Starts a receiver whose handler takes `workMs` and throws, before or after its effect, when told to. */
  async function startReceiver(storeCase: StoreCase, behaviour: { workMs: number; failBeforeEffect?: () => boolean; failAfterEffect?: () => boolean }) {
    const receiver = new WebhookReceiver<any>({ secret, store: storeCase.store() });
    const app = express();
    app.post(
      '/webhooks',
      expressWebhookMiddleware(receiver, async (delivery: WebhookDelivery, transaction: SqlQueryable | undefined) => {
        await sleep(behaviour.workMs);
        if (behaviour.failBeforeEffect?.()) throw new Error('handler crashed before its effect');
        await (transaction ?? database.pool).query('INSERT INTO effects (store, message_id) VALUES ($1, $2)', [storeCase.name, delivery.id]);
        if (behaviour.failAfterEffect?.()) throw new Error('handler crashed after its effect');
      }),
    );
    app.use((_error: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      res.status(500).json({ status: 'failed' });
    });
    const server = await new Promise<Server>((resolve) => {
      const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
    });
    servers.push(server);
    return { receiver, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks` };
  }

  describe.each(storeCases)('$name', (storeCase) => {
    it('runs the side effect exactly once for 50 concurrent deliveries of one message', async () => {
      const { url } = await startReceiver(storeCase, { workMs: 150 });
      const id = `msg_concurrent_${storeCase.atomic ? 'a' : 'l'}_${Date.now()}`;

      const responses = await Promise.all(Array.from({ length: 50 }, () => post(url, DeliveryFactory.create({ secret, id }))));
      const later = await post(url, DeliveryFactory.create({ secret, id }));

      expect(await effects(storeCase.name, id)).toBe(1);
      const processed = responses.filter((r) => r.status === 200 && r.headers.get('idem-duplicate') === null);
      const inFlight = responses.filter((r) => r.status === 409);
      const duplicates = responses.filter((r) => r.status === 200 && r.headers.get('idem-duplicate') === 'true');
      expect(processed).toHaveLength(1);
      expect(inFlight.length).toBeGreaterThan(0);
      expect(processed.length + inFlight.length + duplicates.length).toBe(50);
      expect(later.status).toBe(200);
      expect(later.headers.get('idem-duplicate')).toBe('true');
    });

    it('leaves no dedup record when the handler crashes, and runs the effect once on redelivery', async () => {
      let crashes = 1;
      const { url } = await startReceiver(storeCase, { workMs: 0, failBeforeEffect: () => crashes-- > 0 });
      const id = `msg_crash_${Date.now()}`;

      const crashed = await post(url, DeliveryFactory.create({ secret, id }));
      expect(crashed.status).toBe(500);
      expect(await storeCase.hasRecord(id)).toBe(false);

      const redelivered = await post(url, DeliveryFactory.create({ secret, id }));
      const again = await post(url, DeliveryFactory.create({ secret, id }));

      expect(redelivered.status).toBe(200);
      expect(again.headers.get('idem-duplicate')).toBe('true');
      expect(await effects(storeCase.name, id)).toBe(1);
    });

    if (storeCase.atomic) {
      it('rolls back the side effect together with the dedup record when the handler throws after writing it', async () => {
        let crashes = 1;
        const { url } = await startReceiver(storeCase, { workMs: 0, failAfterEffect: () => crashes-- > 0 });
        const id = `msg_rollback_${Date.now()}`;

        expect((await post(url, DeliveryFactory.create({ secret, id }))).status).toBe(500);
        expect(await effects(storeCase.name, id)).toBe(0);
        expect(await storeCase.hasRecord(id)).toBe(false);

        expect((await post(url, DeliveryFactory.create({ secret, id }))).status).toBe(200);
        expect(await effects(storeCase.name, id)).toBe(1);
        expect(await storeCase.hasRecord(id)).toBe(true);
      });
    }
  });

  it('takes over a Postgres claim whose lease expired (a receiver that died mid-handler)', async () => {
    const store = new PostgresDedupStore(database.pool, { table: 'inbox_leased', leaseMs: 200 });
    const abandoned = await store.claim('msg_abandoned');
    expect(abandoned.status).toBe('claimed');
    expect((await store.claim('msg_abandoned')).status).toBe('in_flight');

    await sleep(250);

    expect((await store.claim('msg_abandoned')).status).toBe('claimed');
  });

  it('deletes expired Postgres records and keeps live ones', async () => {
    const store = new PostgresDedupStore(database.pool, { table: 'inbox_leased', ttlMs: 100 });
    const keep = new PostgresDedupStore(database.pool, { table: 'inbox_leased' });
    for (const [target, id] of [
      [store, 'msg_short_lived'],
      [keep, 'msg_long_lived'],
    ] as const) {
      const claim = await target.claim(id);
      if (claim.status === 'claimed') await target.complete(id, claim.token);
    }
    await sleep(150);

    expect(await store.deleteExpired()).toBeGreaterThanOrEqual(1);
    expect(await countRows('inbox_leased', 'msg_short_lived')).toBe(0);
    expect(await countRows('inbox_leased', 'msg_long_lived')).toBe(1);
  });

  it('keeps a Redis record for the TTL it was given', async () => {
    const store = new RedisDedupStore(redis.redis, { keyPrefix: redis.prefix, ttlMs: 60 * 60 * 1000 });
    const claim = await store.claim('msg_ttl');
    if (claim.status === 'claimed') await store.complete('msg_ttl', claim.token);

    const ttl = await redis.redis.pttl(`${redis.prefix}msg_ttl`);

    expect(ttl).toBeGreaterThan(59 * 60 * 1000);
    expect(ttl).toBeLessThanOrEqual(60 * 60 * 1000);
  });
});
