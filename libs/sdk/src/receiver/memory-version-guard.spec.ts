import { MemoryVersionGuard } from './memory-version-guard';
import { DeliveredEntity, WebhookDelivery } from './webhook-receiver';

function deliveryAbout(entity?: DeliveredEntity): WebhookDelivery {
  return { id: 'msg_1', timestamp: new Date(), payload: {}, rawBody: Buffer.from('{}'), ...(entity === undefined ? {} : { entity }) };
}

describe(MemoryVersionGuard.name, () => {
  it('applies a newer version and skips the same or an older one', async () => {
    const sut = new MemoryVersionGuard();
    const applied: number[] = [];

    for (const version of [2, 1, 2, 3]) await sut.applyIfNewer('order:1', version, async () => applied.push(version));

    expect(applied).toEqual([2, 3]);
    expect(sut.currentVersion('order:1')).toBe(3n);
  });

  it('applies concurrent deliveries one at a time, so no older version lands after a newer one', async () => {
    const sut = new MemoryVersionGuard();
    const applied: number[] = [];
    const versions = [5, 3, 9, 1, 7, 9, 2];

    await Promise.all(
      versions.map((version) =>
        sut.applyIfNewer('order:1', version, async () => {
          await new Promise((resolve) => setTimeout(resolve, 1));
          applied.push(version);
        }),
      ),
    );

    expect(applied).toEqual([5, 9]);
  });

  it('keeps the old version when apply throws', async () => {
    const sut = new MemoryVersionGuard();
    await sut.applyIfNewer('order:1', 1, async () => undefined);

    await expect(sut.applyIfNewer('order:1', 2, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');

    expect(sut.currentVersion('order:1')).toBe(1n);
    expect(await sut.applyIfNewer('order:1', 2, async () => 'ok')).toEqual({ applied: true, result: 'ok' });
  });

  it("takes the entity key and version from a delivery's idem-entity headers", async () => {
    const sut = new MemoryVersionGuard();
    const order = (version: bigint) => deliveryAbout({ key: 'order:1', name: 'order', id: '1', version });

    const outcomes = [await sut.applyIfNewer(order(4n), async () => 'applied'), await sut.applyIfNewer(order(3n), async () => 'applied')];

    expect(outcomes).toEqual([{ applied: true, result: 'applied' }, { applied: false, currentVersion: 4n }]);
    expect(sut.currentVersion('order:1')).toBe(4n);
  });

  it('refuses a delivery that names no entity, or no version, without running apply', () => {
    const sut = new MemoryVersionGuard();
    let runs = 0;
    const apply = async () => void runs++;

    expect(() => sut.applyIfNewer(deliveryAbout(), apply)).toThrow(/msg_1 has no valid idem-entity header.*pass the entity key and version/);
    expect(() => sut.applyIfNewer(deliveryAbout({ key: 'account:1', name: 'account', id: '1' }), apply)).toThrow(/no valid idem-entity-version header/);
    expect(runs).toBe(0);
  });
});
