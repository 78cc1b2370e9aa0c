import { parseRetryAfter, RetryPolicy } from './retry-policy';

describe(RetryPolicy.name, () => {
  it('draws each wait uniformly below an exponentially growing ceiling (full jitter)', () => {
    const highest = new RetryPolicy({ baseDelayMs: 100, maxDelayMs: 100_000, random: () => 0.999999 });
    const lowest = new RetryPolicy({ baseDelayMs: 100, maxDelayMs: 100_000, random: () => 0 });

    expect([1, 2, 3, 4].map((n) => highest.delayBeforeRetry(n))).toEqual([99, 199, 399, 799]);
    expect(lowest.delayBeforeRetry(4)).toBe(0);
  });

  it('never waits longer than the cap', () => {
    const sut = new RetryPolicy({ baseDelayMs: 1000, maxDelayMs: 5000, random: () => 0.999999 });
    expect(sut.delayBeforeRetry(30)).toBeLessThan(5000);
  });

  it('waits exactly as long as Retry-After asks, even beyond the cap', () => {
    const sut = new RetryPolicy({ baseDelayMs: 10, maxDelayMs: 100, random: () => 0 });
    expect(sut.delayBeforeRetry(1, 2000)).toBe(2000);
  });

  it('counts attempts against maxAttempts', () => {
    const sut = new RetryPolicy({ maxAttempts: 3 });
    expect([1, 2, 3].map((made) => sut.allowsAnotherAttempt(made))).toEqual([true, true, false]);
  });
});

describe(parseRetryAfter.name, () => {
  it('reads delay-seconds and HTTP dates, and ignores garbage', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:10 GMT', now)).toBe(10_000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});
