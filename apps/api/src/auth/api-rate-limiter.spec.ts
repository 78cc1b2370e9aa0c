import { IdemConfig } from '@app/config';
import { ApiRateLimiter } from './api-rate-limiter';
import { RequestRateCounter, WindowCount } from './request-rate-counter';

/** Counts in memory, like Redis would, or fails or hangs on demand. */
class FakeCounter {
  readonly counts = new Map<string, number>();
  calls = 0;
  mode: 'count' | 'fail' | 'hang' = 'count';

  increment(credentialId: string): Promise<WindowCount> {
    this.calls++;
    if (this.mode === 'fail') return Promise.reject(new Error("Stream isn't writeable"));
    if (this.mode === 'hang') return new Promise(() => undefined);
    const count = (this.counts.get(credentialId) ?? 0) + 1;
    this.counts.set(credentialId, count);
    return Promise.resolve({ count, resetsInMs: 400 });
  }
}

describe(ApiRateLimiter.name, () => {
  let counter: FakeCounter;

  const limiter = (apiRateLimit: number) => new ApiRateLimiter({ apiRateLimit } as IdemConfig, counter as unknown as RequestRateCounter);

  beforeEach(() => {
    counter = new FakeCounter();
  });

  it('allows the limit per credential, then refuses with the seconds until the window closes', async () => {
    const sut = limiter(2);

    expect(await sut.take('tok_a')).toEqual({ allowed: true });
    expect(await sut.take('tok_a')).toEqual({ allowed: true });
    expect(await sut.take('tok_a')).toEqual({ allowed: false, retryAfterSeconds: 1 });
    expect(await sut.take('tok_b')).toEqual({ allowed: true });
  });

  it('asks nothing of Redis when the limit is 0 (off)', async () => {
    const sut = limiter(0);

    for (let i = 0; i < 5; i++) expect(await sut.take('tok_a')).toEqual({ allowed: true });
    expect(counter.calls).toBe(0);
  });

  it('fails open when Redis refuses, and leaves Redis alone for a while after', async () => {
    const sut = limiter(1);
    counter.mode = 'fail';

    expect(await sut.take('tok_a')).toEqual({ allowed: true });
    expect(await sut.take('tok_a')).toEqual({ allowed: true });
    expect(counter.calls).toBe(1);
  });

  it('fails open when Redis does not answer in time', async () => {
    const sut = limiter(1);
    counter.mode = 'hang';

    const started = Date.now();
    expect(await sut.take('tok_a')).toEqual({ allowed: true });
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('counts again once the suspension is over', async () => {
    jest.useFakeTimers({ doNotFake: ['setTimeout', 'clearTimeout'] });
    try {
      const sut = limiter(1);
      counter.mode = 'fail';
      await sut.take('tok_a');
      counter.mode = 'count';
      jest.setSystemTime(Date.now() + 1_001);

      expect(await sut.take('tok_a')).toEqual({ allowed: true });
      expect(await sut.take('tok_a')).toEqual({ allowed: false, retryAfterSeconds: 1 });
    } finally {
      jest.useRealTimers();
    }
  });
});
