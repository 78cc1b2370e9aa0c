import { RetryPolicy } from './retry-policy';

describe(RetryPolicy.name, () => {
  const schedule = [5_000, 300_000, 1_800_000];

  it('counts the first, immediate attempt plus one per scheduled delay', () => {
    expect(new RetryPolicy({ scheduleMs: schedule, jitter: 0.2 }).maxAttempts).toBe(4);
  });

  it('keeps each delay within ±20 % of the schedule', () => {
    const lowest = new RetryPolicy({ scheduleMs: schedule, jitter: 0.2 }, () => 0);
    const highest = new RetryPolicy({ scheduleMs: schedule, jitter: 0.2 }, () => 0.999999);
    expect(lowest.delayAfterFailedAttempt(1)).toBe(4_000);
    expect(highest.delayAfterFailedAttempt(1)).toBe(6_000);
    expect(lowest.delayAfterFailedAttempt(2)).toBe(240_000);
    expect(highest.delayAfterFailedAttempt(3)).toBeGreaterThanOrEqual(2_159_990);
    expect(highest.delayAfterFailedAttempt(3)).toBeLessThanOrEqual(2_160_000);
  });

  it('answers null after the last attempt', () => {
    const sut = new RetryPolicy({ scheduleMs: schedule, jitter: 0.2 });
    expect(sut.delayAfterFailedAttempt(4)).toBeNull();
  });

  it("honours a receiver's Retry-After, clamped between the scheduled delay and twice it", () => {
    const sut = new RetryPolicy({ scheduleMs: schedule, jitter: 0.2 });
    expect(sut.delayAfterFailedAttempt(1, 7_000)).toBe(7_000);
    expect(sut.delayAfterFailedAttempt(1, 1_000)).toBe(5_000);
    expect(sut.delayAfterFailedAttempt(1, 999_999_999_000)).toBe(10_000);
    expect(sut.delayAfterFailedAttempt(3, 999_999_999_000)).toBe(3_600_000);
  });
});
