import { DataSource, EntityManager } from 'typeorm';
import { PoolClient } from 'pg';
import { MemoryDedupStore, PostgresInbox, PostgresVersionGuard, WebhookDelivery, WebhookReceiver } from '@idem/sdk/receiver';
import { DeliveryFactory } from './support/delivery.factory';
import { TestDatabase } from './support/test-database';

describe(PostgresVersionGuard.name, () => {
  let database: TestDatabase;
  let sut: PostgresVersionGuard<PoolClient>;

  beforeAll(async () => {
    database = await TestDatabase.create();
    sut = new PostgresVersionGuard<PoolClient>(database.pool);
    await sut.install();
    await database.pool.query('CREATE TABLE applied (seq serial PRIMARY KEY, entity text NOT NULL, version int NOT NULL)');
  });

  afterAll(() => database?.drop());

  async function appliedVersions(entity: string): Promise<number[]> {
    return (await database.pool.query('SELECT version FROM applied WHERE entity = $1 ORDER BY seq', [entity])).rows.map((row) => row.version);
  }

  const record = (entity: string, version: number) => (client: PoolClient) =>
    client.query('INSERT INTO applied (entity, version) VALUES ($1, $2)', [entity, version]);

  it('applies a newer version and skips the same or an older one, reporting the current version', async () => {
    const outcomes = [];
    for (const version of [3, 2, 3, 4]) outcomes.push(await sut.applyIfNewer('order:seq', version, record('order:seq', version)));

    expect(outcomes.map((outcome) => outcome.applied)).toEqual([true, false, false, true]);
    expect(outcomes[1]).toEqual({ applied: false, currentVersion: 3n });
    expect(await appliedVersions('order:seq')).toEqual([3, 4]);
    expect(await sut.currentVersion('order:seq')).toBe(4n);
  });

  it('never applies an older version after a newer one, under 30 concurrent deliveries', async () => {
    const versions = Array.from({ length: 30 }, (_, i) => i + 1).sort(() => Math.random() - 0.5);

    await Promise.all(versions.map((version) => sut.applyIfNewer('order:race', version, record('order:race', version))));

    const applied = await appliedVersions('order:race');
    expect(applied.every((version, i) => i === 0 || version > applied[i - 1])).toBe(true);
    expect(applied.at(-1)).toBe(30);
    expect(await sut.currentVersion('order:race')).toBe(30n);
  });

  it('keeps the old version when apply throws', async () => {
    await sut.applyIfNewer('order:throw', 1, record('order:throw', 1));

    await expect(
      sut.applyIfNewer('order:throw', 2, async (client) => {
        await record('order:throw', 2)(client);
        throw new Error('downstream failed');
      }),
    ).rejects.toThrow('downstream failed');

    expect(await sut.currentVersion('order:throw')).toBe(1n);
    expect(await appliedVersions('order:throw')).toEqual([1]);
  });

  it('joins the atomic inbox transaction, so version, effect and dedup record roll back together', async () => {
    const inbox = new PostgresInbox<PoolClient>(database.pool);
    await inbox.install();
    const work = (fail: boolean) => async (client: PoolClient) => {
      await sut.applyIfNewer('order:inbox', 5, record('order:inbox', 5), { transaction: client });
      if (fail) throw new Error('crashed after applying');
    };

    await expect(inbox.runOnce('msg_versioned', work(true))).rejects.toThrow('crashed');
    expect(await sut.currentVersion('order:inbox')).toBeUndefined();

    expect((await inbox.runOnce('msg_versioned', work(false))).status).toBe('processed');
    expect(await sut.currentVersion('order:inbox')).toBe(5n);
    expect(await appliedVersions('order:inbox')).toEqual([5]);
  });

  it('works on a TypeORM DataSource, handing apply the EntityManager', async () => {
    const dataSource = await new DataSource({ type: 'postgres', ...database.connection }).initialize();
    try {
      const guard = new PostgresVersionGuard<EntityManager>(dataSource);
      const apply = (version: number) => (manager: EntityManager) => manager.query('INSERT INTO applied (entity, version) VALUES ($1, $2)', ['order:orm', version]);

      const outcomes = [await guard.applyIfNewer('order:orm', 2, apply(2)), await guard.applyIfNewer('order:orm', 1, apply(1))];

      expect(outcomes.map((outcome) => outcome.applied)).toEqual([true, false]);
      expect(await appliedVersions('order:orm')).toEqual([2]);
    } finally {
      await dataSource.destroy();
    }
  });

  it('lets a receiver acknowledge a stale delivery as a success without applying it', async () => {
    const secret = DeliveryFactory.secret();
    const receiver = new WebhookReceiver({ secret, store: new MemoryDedupStore() });
    const handler = (delivery: { payload: { orderId: string; version: number } }) =>
      sut.applyIfNewer(`order:${delivery.payload.orderId}`, delivery.payload.version, record(`order:${delivery.payload.orderId}`, delivery.payload.version));
    const deliver = (version: number) => {
      const { body, headers } = DeliveryFactory.create({ secret, payload: { orderId: 'stale', version } });
      return receiver.receive({ body, headers }, handler);
    };

    const newer = await deliver(7);
    const stale = await deliver(6);

    expect([newer.status, newer.headers['webhook-outcome']]).toEqual([200, undefined]);
    expect([stale.status, stale.headers['webhook-outcome']]).toEqual([200, 'stale']);
    expect(await appliedVersions('order:stale')).toEqual([7]);
  });

  it("reads the entity and version from Idem's idem-entity headers when the handler passes none", async () => {
    const secret = DeliveryFactory.secret();
    const receiver = new WebhookReceiver({ secret, store: new MemoryDedupStore() });
    const handler = (delivery: WebhookDelivery<{ version: number }>) => sut.applyIfNewer(delivery, record('order:headers', delivery.payload.version));
    const deliver = (version: number, headers: Record<string, string>) =>
      receiver.receive(DeliveryFactory.create({ secret, payload: { version }, headers }), handler);
    const named = (version: number) => ({ 'idem-entity': 'order:headers', 'idem-entity-version': String(version) });

    const newer = await deliver(7, named(7));
    const stale = await deliver(6, named(6));
    const unnamed = await deliver(8, {});

    expect([newer.status, newer.headers['webhook-outcome']]).toEqual([200, undefined]);
    expect([stale.status, stale.headers['webhook-outcome']]).toEqual([200, 'stale']);
    expect(unnamed.status).toBe(500);
    expect(String(unnamed.error)).toMatch(/no valid idem-entity header/);
    expect(await appliedVersions('order:headers')).toEqual([7]);
    expect(await sut.currentVersion('order:headers')).toBe(7n);
  });
});
