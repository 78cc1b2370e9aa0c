import { DeliverySlots } from './delivery-slots';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

describe(DeliverySlots.name, () => {
  it('runs at most its size at once and starts waiters in arrival order as slots free', async () => {
    const sut = new DeliverySlots(2);
    const gates = [deferred(), deferred(), deferred(), deferred()];
    const started: number[] = [];
    let running = 0;
    let most = 0;
    const runs = gates.map((gate, index) =>
      sut.run(async () => {
        started.push(index);
        most = Math.max(most, ++running);
        await gate.promise;
        running--;
        return index;
      }),
    );
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual([0, 1]);
    expect(sut.queued).toBe(2);

    gates[1].resolve();
    await runs[1];
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual([0, 1, 2]);

    gates[0].resolve();
    gates[2].resolve();
    gates[3].resolve();
    expect(await Promise.all(runs)).toEqual([0, 1, 2, 3]);
    expect(most).toBe(2);
    expect(sut.queued).toBe(0);
  });

  it('frees the slot of work that throws', async () => {
    const sut = new DeliverySlots(1);
    await expect(sut.run(async () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(await sut.run(async () => 'next')).toBe('next');
  });
});
