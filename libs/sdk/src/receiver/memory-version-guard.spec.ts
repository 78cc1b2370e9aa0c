import { MemoryVersionGuard } from './memory-version-guard';

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
});
