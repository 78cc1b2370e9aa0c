import { deliveryPolicyOf } from './delivery-policy';
import { RetryPolicy } from './retry-policy';

describe(deliveryPolicyOf.name, () => {
  const sut = deliveryPolicyOf({ retryScheduleMs: [1_000, 60_000], deliveryTimeoutMs: 15_000 });

  it('owns a delivery for the request timeout plus the margin for recording its outcome', () => {
    expect(sut.leaseMs).toBe(15_000 + sut.leaseMarginMs);
  });

  it("retries on the operator's schedule, with a Retry-After from 429 and 503 clamped to twice the scheduled delay", () => {
    const retry = new RetryPolicy(sut.retry);
    expect(retry.maxAttempts).toBe(3);
    expect(sut.retry.retryAfterStatuses).toEqual([429, 503]);
    expect(retry.delayAfterFailedAttempt(2, 10 * 60_000)).toBe(120_000);
  });

  it('lets a dead worker\'s jobs stall well before its lease would let another worker take over, and always come back', () => {
    expect(sut.worker.lockDurationMs + sut.worker.stalledIntervalMs).toBeLessThan(60_000);
    expect(sut.worker.maxStalledCount).toBeGreaterThanOrEqual(1_000);
  });
});
