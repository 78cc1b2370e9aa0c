import { loadIdemConfig } from './idem-config';

describe(loadIdemConfig.name, () => {
  it('has working defaults for a local machine', () => {
    const sut = loadIdemConfig({});
    expect(sut.databaseUrl).toBe('postgres://postgres@127.0.0.1:5432/idem');
    expect(sut.redisUrl).toBe('redis://127.0.0.1:6379');
    expect(sut.retryScheduleMs).toEqual([5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 50_400_000, 72_000_000, 86_400_000]);
    expect(sut.deliveryTimeoutMs).toBe(15_000);
    expect(sut.deliveryLeaseMs).toBe(20_000);
    expect(sut.allowPrivateTargets).toBe(false);
  });

  it.each([
    ['DATABASE_URL', 'mysql://localhost/idem', 'DATABASE_URL: must start with postgres:// or postgresql://'],
    ['PORT', '70000', 'PORT: "70000" is not a whole number from 0 to 65535'],
    ['IDEM_RETRY_SCHEDULE', '5s,soon', 'IDEM_RETRY_SCHEDULE: "soon" is not a duration'],
    ['IDEM_ALLOW_PRIVATE_TARGETS', 'maybe', 'IDEM_ALLOW_PRIVATE_TARGETS: "maybe" is not true or false'],
    ['IDEM_ADMIN_TOKEN', 'short', 'IDEM_ADMIN_TOKEN: must be at least 16 characters'],
    ['IDEM_QUEUE_PREFIX', 'has spaces', 'IDEM_QUEUE_PREFIX: "has spaces" may only contain'],
  ])('stops start-up naming %s when it is %p', (variable, value, message) => {
    expect(() => loadIdemConfig({ [variable]: value })).toThrow(message);
  });
});
