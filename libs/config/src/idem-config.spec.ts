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
    expect(sut.targetPolicyOptions).toEqual({ allowPrivateTargets: false, allowlist: [], httpsOnly: false });
    expect(sut.maxPayloadBytes).toBe(512 * 1024);
    expect(sut.apiRateLimit).toBe(1000);
  });

  it('reads the target allow-list as CIDR ranges, and the API limits', () => {
    const sut = loadIdemConfig({ IDEM_TARGET_ALLOWLIST: ' 10.1.0.0/16, fd00::/8 ,', IDEM_HTTPS_ONLY: 'true', IDEM_MAX_PAYLOAD_BYTES: '2048', IDEM_API_RATE_LIMIT: '0' });
    expect(sut.targetPolicyOptions).toEqual({ allowPrivateTargets: false, allowlist: ['10.1.0.0/16', 'fd00::/8'], httpsOnly: true });
    expect(sut.maxPayloadBytes).toBe(2048);
    expect(sut.apiRateLimit).toBe(0);
  });

  it.each([
    ['DATABASE_URL', 'mysql://localhost/idem', 'DATABASE_URL: must start with postgres:// or postgresql://'],
    ['PORT', '70000', 'PORT: "70000" is not a whole number from 0 to 65535'],
    ['IDEM_RETRY_SCHEDULE', '5s,soon', 'IDEM_RETRY_SCHEDULE: "soon" is not a duration'],
    ['IDEM_ALLOW_PRIVATE_TARGETS', 'maybe', 'IDEM_ALLOW_PRIVATE_TARGETS: "maybe" is not true or false'],
    ['IDEM_ADMIN_TOKEN', 'short', 'IDEM_ADMIN_TOKEN: must be at least 16 characters'],
    ['IDEM_QUEUE_PREFIX', 'has spaces', 'IDEM_QUEUE_PREFIX: "has spaces" may only contain'],
    ['IDEM_TARGET_ALLOWLIST', '10.0.0.0/8,10.0.0.1/33', 'IDEM_TARGET_ALLOWLIST: "10.0.0.1/33"'],
    ['IDEM_TARGET_ALLOWLIST', 'intranet.local', 'IDEM_TARGET_ALLOWLIST: "intranet.local" is not a CIDR range'],
    ['IDEM_HTTPS_ONLY', 'sometimes', 'IDEM_HTTPS_ONLY: "sometimes" is not true or false'],
    ['IDEM_MAX_PAYLOAD_BYTES', '512kb', 'IDEM_MAX_PAYLOAD_BYTES: "512kb" is not a whole number from 1024 to 67108864'],
    ['IDEM_API_RATE_LIMIT', '-1', 'IDEM_API_RATE_LIMIT: "-1" is not a whole number from 0 to 1000000'],
  ])('stops start-up naming %s when it is %p', (variable, value, message) => {
    expect(() => loadIdemConfig({ [variable]: value })).toThrow(message);
  });
});
