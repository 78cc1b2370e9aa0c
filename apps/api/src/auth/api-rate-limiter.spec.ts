import { IdemConfig } from '@app/config';
import { API_RATE_RECONCILE_MS, API_RATE_WINDOW_MS, ApiRateLimiter } from './api-rate-limiter';
import { RequestRateCounter, UnsyncedCount } from './request-rate-counter';

/** Counts in memory per window, like Redis would, with what other processes added; or fails or hangs on demand. */
class FakeCounter implements Pick<RequestRateCounter, 'add'> {
  readonly totals = new Map<string, number>();
  readonly batches: { window: number; counts: UnsyncedCount[] }[] = [];
  mode: 'count' | 'fail' | 'hang' = 'count';

  /** Requests another API process reported for `credentialId` in the window of `at`. */
  addedElsewhere(credentialId: string, count: number, at = Date.now()): void {
    const key = `${credentialId}:${Math.floor(at / API_RATE_WINDOW_MS)}`;
    this.totals.set(key, (this.totals.get(key) ?? 0) + count);
  }

  add(window: number, _windowMs: number, counts: readonly UnsyncedCount[]): Promise<number[]> {
    this.batches.push({ window, counts: [...counts] });
    if (this.mode === 'fail') return Promise.reject(new Error("Stream isn't writeable"));
    if (this.mode === 'hang') return new Promise(() => undefined);
    return Promise.resolve(
      counts.map(({ credentialId, count }) => {
        const key = `${credentialId}:${window}`;
        const total = (this.totals.get(key) ?? 0) + count;
        this.totals.set(key, total);
        return total;
      }),
    );
  }
}

/** A window's start, so that a test's few hundred fake milliseconds stay in one window. */
const WINDOW_START = new Date('2026-12-01T00:00:00.000Z');

describe(ApiRateLimiter.name, () => {
  let counter: FakeCounter;
  let sut: ApiRateLimiter;

  const limiter = (apiRateLimit: number) => new ApiRateLimiter({ apiRateLimit } as IdemConfig, counter as unknown as RequestRateCounter);
  const takeMany = (count: number, credentialId: string) => Array.from({ length: count }, () => sut.take(credentialId));
  const reconcile = () => jest.advanceTimersByTimeAsync(API_RATE_RECONCILE_MS);

  beforeEach(() => {
    jest.useFakeTimers({ now: WINDOW_START });
    counter = new FakeCounter();
  });

  afterEach(() => {
    sut?.onModuleDestroy();
    jest.useRealTimers();
  });

  it('allows the limit per credential, then refuses with the seconds until the window closes', () => {
    sut = limiter(2);

    expect(takeMany(3, 'tok_a')).toEqual([{ allowed: true }, { allowed: true }, { allowed: false, retryAfterSeconds: 1 }]);
    expect(sut.take('tok_b')).toEqual({ allowed: true });
  });

  it('asks Redis nothing per request: one batch per interval, one count per credential', async () => {
    sut = limiter(1_000);

    takeMany(300, 'tok_a');
    takeMany(200, 'tok_b');
    expect(counter.batches).toHaveLength(0);
    await reconcile();
    takeMany(100, 'tok_a');
    await reconcile();

    expect(counter.batches).toEqual([
      {
        window: WINDOW_START.getTime() / API_RATE_WINDOW_MS,
        counts: [
          { credentialId: 'tok_a', count: 300 },
          { credentialId: 'tok_b', count: 200 },
        ],
      },
      { window: WINDOW_START.getTime() / API_RATE_WINDOW_MS, counts: [{ credentialId: 'tok_a', count: 100 }] },
    ]);
  });

  it('sends nothing while no request comes', async () => {
    sut = limiter(10);
    sut.take('tok_a');
    await reconcile();

    await jest.advanceTimersByTimeAsync(10 * API_RATE_RECONCILE_MS);

    expect(counter.batches).toHaveLength(1);
  });

  it('refuses once the count other processes reported, plus its own, reaches the limit', async () => {
    sut = limiter(10);
    counter.addedElsewhere('tok_a', 8);

    expect(sut.take('tok_a')).toEqual({ allowed: true });
    await reconcile();

    expect(takeMany(2, 'tok_a')).toEqual([{ allowed: true }, { allowed: false, retryAfterSeconds: 1 }]);
  });

  it('counts what it sent while the batch is on its way', async () => {
    sut = limiter(3);
    counter.mode = 'hang';
    takeMany(2, 'tok_a');
    await jest.advanceTimersByTimeAsync(API_RATE_RECONCILE_MS + 1);

    expect(takeMany(2, 'tok_a')).toEqual([{ allowed: true }, { allowed: false, retryAfterSeconds: 1 }]);
  });

  it('starts again in the next window', async () => {
    sut = limiter(2);
    takeMany(2, 'tok_a');
    await reconcile();
    expect(sut.take('tok_a').allowed).toBe(false);

    await jest.advanceTimersByTimeAsync(API_RATE_WINDOW_MS);

    expect(sut.take('tok_a')).toEqual({ allowed: true });
  });

  it('asks nothing of Redis when the limit is 0 (off)', async () => {
    sut = limiter(0);

    expect(takeMany(5, 'tok_a')).toEqual(Array(5).fill({ allowed: true }));
    await reconcile();
    expect(counter.batches).toHaveLength(0);
  });

  it('fails open when Redis refuses, and leaves Redis alone for a while after', async () => {
    sut = limiter(1);
    counter.mode = 'fail';
    sut.take('tok_a');
    await reconcile();

    expect(takeMany(5, 'tok_a')).toEqual(Array(5).fill({ allowed: true }));
    await reconcile();
    expect(counter.batches).toHaveLength(1);
  });

  it('fails open when Redis does not answer in time', async () => {
    sut = limiter(1);
    counter.mode = 'hang';
    sut.take('tok_a');

    await jest.advanceTimersByTimeAsync(API_RATE_RECONCILE_MS + 500);

    expect(takeMany(5, 'tok_a')).toEqual(Array(5).fill({ allowed: true }));
  });

  it('asks Redis again a second after it failed, and enforces the limit once it answers', async () => {
    sut = limiter(3);
    counter.mode = 'fail';
    sut.take('tok_a');
    await jest.advanceTimersByTimeAsync(1);
    counter.mode = 'count';
    expect(takeMany(5, 'tok_a')).toEqual(Array(5).fill({ allowed: true }));
    await jest.advanceTimersByTimeAsync(API_RATE_WINDOW_MS);

    sut.take('tok_a');
    await jest.advanceTimersByTimeAsync(1);

    expect(counter.batches.at(-1)?.counts).toEqual([{ credentialId: 'tok_a', count: 1 }]);
    expect(takeMany(3, 'tok_a')).toEqual([{ allowed: true }, { allowed: true }, { allowed: false, retryAfterSeconds: 1 }]);
  });

  it('finds Redis failing with the first request, without waiting for an interval', async () => {
    sut = limiter(1);
    counter.mode = 'fail';
    sut.take('tok_a');

    await jest.advanceTimersByTimeAsync(1);

    expect(counter.batches).toHaveLength(1);
    expect(takeMany(5, 'tok_a')).toEqual(Array(5).fill({ allowed: true }));
  });
});
