import { randomBytes } from 'node:crypto';
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
    expect(sut.apiRateLimit).toBe(10_000);
    expect(sut.workerPort).toBe(8041);
    expect(sut.metricsToken).toBeUndefined();
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
    ['IDEM_WORKER_PORT', '65536', 'IDEM_WORKER_PORT: "65536" is not a whole number from 0 to 65535'],
    ['IDEM_METRICS_TOKEN', 'short', 'IDEM_METRICS_TOKEN: must be at least 16 characters'],
  ])('stops start-up naming %s when it is %p', (variable, value, message) => {
    expect(() => loadIdemConfig({ [variable]: value })).toThrow(message);
  });

  describe('encryption keys', () => {
    const [current, previous, older] = [randomBytes(32), randomBytes(32), randomBytes(32)];

    it('reads the current key and the previous ones, base64 or hex', () => {
      const sut = loadIdemConfig({
        IDEM_ENCRYPTION_KEY: current.toString('base64'),
        IDEM_ENCRYPTION_KEYS_PREVIOUS: ` ${previous.toString('hex')}, ${older.toString('base64')} ,`,
      });
      const keys = sut.requireEncryptionKeys();
      expect(keys.current.id).toMatch(/^[0-9a-f]{8}$/);
      expect(keys.previous).toHaveLength(2);
      expect(new Set([keys.current.id, ...keys.previous.map((key) => key.id)]).size).toBe(3);
    });

    it('loads without a key (migrations need none), but whatever needs the key stops, saying how to make one', () => {
      const sut = loadIdemConfig({});
      expect(() => sut.requireEncryptionKeys()).toThrow(/^IDEM_ENCRYPTION_KEY: is required: .*openssl rand -base64 32/);
    });

    it.each([
      ['IDEM_ENCRYPTION_KEY', { IDEM_ENCRYPTION_KEY: current.toString('base64').slice(0, 40) }, 'IDEM_ENCRYPTION_KEY: must be 32 bytes written as base64'],
      ['IDEM_ENCRYPTION_KEY', { IDEM_ENCRYPTION_KEY: current.toString('hex') + 'ab' }, 'IDEM_ENCRYPTION_KEY: must be 32 bytes written as base64'],
      [
        'IDEM_ENCRYPTION_KEYS_PREVIOUS',
        { IDEM_ENCRYPTION_KEY: current.toString('hex'), IDEM_ENCRYPTION_KEYS_PREVIOUS: `${previous.toString('hex')},${older.toString('hex').slice(2)}` },
        'IDEM_ENCRYPTION_KEYS_PREVIOUS: entry 2 must be 32 bytes',
      ],
      ['IDEM_ENCRYPTION_KEY', { IDEM_ENCRYPTION_KEYS_PREVIOUS: previous.toString('hex') }, 'IDEM_ENCRYPTION_KEY: is required when IDEM_ENCRYPTION_KEYS_PREVIOUS is set'],
    ])('stops start-up naming %s, never repeating a key', (_variable, env, message) => {
      let error: Error | undefined;
      try {
        loadIdemConfig(env);
      } catch (thrown) {
        error = thrown as Error;
      }
      expect(error?.message).toContain(message);
      for (const value of Object.values(env)) {
        for (const entry of value.split(',')) expect(error?.message).not.toContain(entry.slice(0, 16));
      }
    });
  });
});
