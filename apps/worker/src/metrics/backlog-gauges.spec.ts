import { CachedRead, READ_TIMEOUT_MS } from './backlog-gauges';

describe('CachedRead', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('shares a read that outlasts the scrape timeout instead of starting another one', async () => {
    let finish: (count: number) => void = () => undefined;
    const load = jest.fn(() => new Promise<number>((resolve) => (finish = resolve)));
    const cached = new CachedRead(1_000, load);

    const first = cached.read();
    jest.advanceTimersByTime(READ_TIMEOUT_MS);
    await expect(first).rejects.toThrow(`no answer within ${READ_TIMEOUT_MS} ms`);
    jest.advanceTimersByTime(10_000);
    const second = cached.read();
    finish(7);

    await expect(second).resolves.toBe(7);
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('reads again once the value is older than its maximum age, and after a failed read', async () => {
    const load = jest.fn().mockRejectedValueOnce(new Error('down')).mockResolvedValueOnce(1).mockResolvedValueOnce(2);
    const cached = new CachedRead(1_000, load);

    await expect(cached.read()).rejects.toThrow('down');
    await expect(cached.read()).resolves.toBe(1);
    await expect(cached.read()).resolves.toBe(1);
    jest.advanceTimersByTime(1_001);
    await expect(cached.read()).resolves.toBe(2);
    expect(load).toHaveBeenCalledTimes(3);
  });
});
