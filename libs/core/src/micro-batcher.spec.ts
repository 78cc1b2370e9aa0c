import { MicroBatcher } from './micro-batcher';

describe(MicroBatcher.name, () => {
  it('serves concurrent submissions with one batch and gives each caller its own result', async () => {
    const batches: number[][] = [];
    const sut = new MicroBatcher<number, number>({ maxItems: 10, maxDelayMs: 5 }, async (items) => {
      batches.push(items);
      return items.map((item) => item * 2);
    });
    expect(await Promise.all([1, 2, 3].map((n) => sut.submit(n)))).toEqual([2, 4, 6]);
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it('flushes as soon as a batch is full', async () => {
    const batches: number[][] = [];
    const sut = new MicroBatcher<number, number>({ maxItems: 2, maxDelayMs: 10_000 }, async (items) => {
      batches.push(items);
      return items;
    });
    await Promise.all([1, 2, 3, 4].map((n) => sut.submit(n)));
    expect(batches).toEqual([
      [1, 2],
      [3, 4],
    ]);
  });

  it('fails every caller of a batch whose handler fails', async () => {
    const sut = new MicroBatcher<number, number>({ maxItems: 10, maxDelayMs: 1 }, async () => {
      throw new Error('database down');
    });
    await expect(Promise.all([sut.submit(1), sut.submit(2)])).rejects.toThrow('database down');
  });

  it('holds items that arrive while maxInFlight batches run, and sends them as one batch when one finishes', async () => {
    const batches: number[][] = [];
    let finishFirst!: () => void;
    const firstDone = new Promise<void>((resolve) => (finishFirst = resolve));
    const sut = new MicroBatcher<number, number>({ maxItems: 100, maxDelayMs: 0, maxInFlight: 1 }, async (items) => {
      batches.push(items);
      if (batches.length === 1) await firstDone;
      return items;
    });
    const first = sut.submit(1);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const later = [2, 3, 4].map((n) => sut.submit(n));
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(batches).toEqual([[1]]);
    finishFirst();
    expect(await Promise.all([first, ...later])).toEqual([1, 2, 3, 4]);
    expect(batches).toEqual([[1], [2, 3, 4]]);
  });
});
