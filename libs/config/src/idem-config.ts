import { parseRedisTarget } from './redis-target';
import { DeliveryPolicy, deliveryPolicyOf, parseCidrList, parseDuration, parseDurationList, SECRET_KEY_FORMAT, SecretKey, TargetPolicyOptions, AddressCategory } from '@app/core';

/** Everything Idem reads from its environment, parsed and validated once at start-up. */
export class IdemConfig {
  databaseUrl: string;
  /** `REDIS_URL`: one server, a cluster or Sentinels (see `RedisTarget`). */
  redisUrl: string;
  host: string;
  port: number;
  /** Where the worker serves `/health` and `/metrics` (`IDEM_WORKER_PORT`); 0 picks a free port. */
  workerPort: number;
  adminToken: string | undefined;
  /** The bearer token `/metrics` asks for (`IDEM_METRICS_TOKEN`); unset, `/metrics` is open like the health checks. */
  metricsToken: string | undefined;
  queuePrefix: string;
  retryScheduleMs: number[];
  deliveryTimeoutMs: number;
  sweepIntervalMs: number;
  requeueAfterMs: number;
  allowPrivateTargets: boolean;
  /** CIDR ranges endpoints may target although they are private (`IDEM_TARGET_ALLOWLIST`), as written. */
  targetAllowlist: string[];
  httpsOnly: boolean;
  idempotencyRetentionMs: number;
  /** How far apart the same event type and payload under two keys count as a probable send-time key (`IDEM_SEND_TIME_KEY_WINDOW`). */
  sendTimeKeyWindowMs: number;
  messageRetentionMs: number;
  cleanupIntervalMs: number;
  secretRotationGraceMs: number;
  workerConcurrency: number;
  /** An endpoint failing without a single success for this long is disabled. */
  disableAfterMs: number;
  /** Where Idem sends its own operational webhooks (failing, exhausted, recovered, endpoint disabled), if anywhere. */
  operationalWebhookUrl: string | undefined;
  operationalWebhookSecret: string | undefined;
  logLevel: string;
  /** The largest request body the API reads, in bytes. */
  maxPayloadBytes: number;
  /** Requests per second one credential may make to the API; 0 turns the limit off. */
  apiRateLimit: number;
  /** The key endpoint signing secrets are encrypted with (`IDEM_ENCRYPTION_KEY`); see `requireEncryptionKeys`. */
  encryptionKey: SecretKey | undefined;
  /** Keys that still decrypt but no longer encrypt (`IDEM_ENCRYPTION_KEYS_PREVIOUS`), during a key rotation. */
  previousEncryptionKeys: SecretKey[];

  /** The delivery policy these settings make: schedule, lease, queue settings (see `DeliveryPolicy`). */
  get deliveryPolicy(): DeliveryPolicy {
    return deliveryPolicyOf({ retryScheduleMs: this.retryScheduleMs, deliveryTimeoutMs: this.deliveryTimeoutMs });
  }

  /** How long a worker owns a delivery it is sending (the policy's lease). */
  get deliveryLeaseMs(): number {
    return this.deliveryPolicy.leaseMs;
  }

  /**
   * The keys for endpoint signing secrets at rest. Only what reads or writes those secrets asks (the API,
   * the worker, `reencrypt-secrets`), so `migrate` and the migration CLI run without a key.
   */
  requireEncryptionKeys(): { current: SecretKey; previous: SecretKey[] } {
    if (!this.encryptionKey) {
      throw new ConfigError(
        'IDEM_ENCRYPTION_KEY',
        `is required: endpoint signing secrets are stored encrypted with it. Set it to ${SECRET_KEY_FORMAT}, e.g. from \`openssl rand -base64 32\`, and keep it safe: secrets written with a lost key cannot be read again`,
      );
    }
    return { current: this.encryptionKey, previous: this.previousEncryptionKeys };
  }

  /** Where endpoints may point: what the API checks when an endpoint is saved and the worker when it connects. */
  get targetPolicyOptions(): TargetPolicyOptions {
    return { allowPrivateTargets: this.allowPrivateTargets, allowlist: this.targetAllowlist, httpsOnly: this.httpsOnly };
  }
}

/**
 * The setting that would let a refused address of `category` through, to follow the refusal's reason
 * (the API's 422, an attempt's error): the one who meets a refusal is often the operator, and should
 * not have to search for the variable.
 */
export function targetRefusalHint(category: AddressCategory | undefined): string {
  if (category === undefined || category === 'not-an-address') return '';
  if (category === 'cloud-metadata') return ' (only an IDEM_TARGET_ALLOWLIST entry naming this one address, e.g. 169.254.169.254/32, allows it)';
  return ' (IDEM_ALLOW_PRIVATE_TARGETS=true, or an IDEM_TARGET_ALLOWLIST entry covering it, allows it)';
}

export const DEFAULT_RETRY_SCHEDULE = '5s,5m,30m,2h,5h,10h,14h,20h,24h';

export class ConfigError extends Error {
  constructor(variable: string, problem: string) {
    super(`${variable}: ${problem}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

/** Reads and checks every variable; the first bad one stops start-up with a message naming it. */
export function loadIdemConfig(env: Env): IdemConfig {
  const config = new IdemConfig();
  config.databaseUrl = url(env, 'DATABASE_URL', 'postgres://postgres@127.0.0.1:5432/idem', ['postgres:', 'postgresql:']);
  config.redisUrl = text(env, 'REDIS_URL', 'redis://127.0.0.1:6379');
  try {
    parseRedisTarget(config.redisUrl);
  } catch (error) {
    throw new ConfigError('REDIS_URL', (error as Error).message);
  }
  config.host = text(env, 'HOST', '127.0.0.1');
  config.port = integer(env, 'PORT', 8040, 0, 65535);
  config.workerPort = integer(env, 'IDEM_WORKER_PORT', 8041, 0, 65535);
  config.adminToken = optionalToken(env, 'IDEM_ADMIN_TOKEN');
  config.metricsToken = optionalToken(env, 'IDEM_METRICS_TOKEN');
  config.queuePrefix = matching(env, 'IDEM_QUEUE_PREFIX', 'idem', /^[A-Za-z0-9_.:-]{1,64}$/, 'letters, digits, _ . : - (at most 64)');
  config.retryScheduleMs = durationList(env, 'IDEM_RETRY_SCHEDULE', DEFAULT_RETRY_SCHEDULE);
  config.deliveryTimeoutMs = duration(env, 'IDEM_DELIVERY_TIMEOUT', '15s', 100);
  config.sweepIntervalMs = duration(env, 'IDEM_SWEEP_INTERVAL', '5s', 50);
  config.requeueAfterMs = duration(env, 'IDEM_REQUEUE_AFTER', '30s', 100);
  config.allowPrivateTargets = boolean(env, 'IDEM_ALLOW_PRIVATE_TARGETS', false);
  config.targetAllowlist = cidrList(env, 'IDEM_TARGET_ALLOWLIST');
  config.httpsOnly = boolean(env, 'IDEM_HTTPS_ONLY', false);
  config.idempotencyRetentionMs = duration(env, 'IDEM_IDEMPOTENCY_RETENTION', '7d', 1000);
  config.sendTimeKeyWindowMs = duration(env, 'IDEM_SEND_TIME_KEY_WINDOW', '10m', 1000);
  config.messageRetentionMs = duration(env, 'IDEM_MESSAGE_RETENTION', '90d', 1000);
  config.cleanupIntervalMs = duration(env, 'IDEM_CLEANUP_INTERVAL', '1m', 100);
  config.secretRotationGraceMs = duration(env, 'IDEM_SECRET_ROTATION_GRACE', '24h', 0);
  config.workerConcurrency = integer(env, 'IDEM_WORKER_CONCURRENCY', 100, 1, 10_000);
  config.disableAfterMs = duration(env, 'IDEM_DISABLE_AFTER', '5d', 100);
  config.operationalWebhookUrl = raw(env, 'IDEM_OPERATIONAL_WEBHOOK_URL') === undefined ? undefined : url(env, 'IDEM_OPERATIONAL_WEBHOOK_URL', '', ['http:', 'https:']);
  config.operationalWebhookSecret = raw(env, 'IDEM_OPERATIONAL_WEBHOOK_SECRET');
  if (config.operationalWebhookUrl && !config.operationalWebhookSecret?.startsWith('whsec_')) {
    throw new ConfigError('IDEM_OPERATIONAL_WEBHOOK_SECRET', 'must be a whsec_ secret when IDEM_OPERATIONAL_WEBHOOK_URL is set');
  }
  config.logLevel = oneOf(env, 'IDEM_LOG_LEVEL', 'info', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);
  config.maxPayloadBytes = integer(env, 'IDEM_MAX_PAYLOAD_BYTES', 512 * 1024, 1024, 64 * 1024 * 1024);
  config.apiRateLimit = integer(env, 'IDEM_API_RATE_LIMIT', 10_000, 0, 1_000_000);
  config.encryptionKey = optionalSecretKey(env, 'IDEM_ENCRYPTION_KEY');
  config.previousEncryptionKeys = secretKeyList(env, 'IDEM_ENCRYPTION_KEYS_PREVIOUS');
  if (!config.encryptionKey && config.previousEncryptionKeys.length > 0) {
    throw new ConfigError('IDEM_ENCRYPTION_KEY', 'is required when IDEM_ENCRYPTION_KEYS_PREVIOUS is set: it is the key new secrets are written with');
  }
  return config;
}

function raw(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function text(env: Env, name: string, fallback: string): string {
  return raw(env, name) ?? fallback;
}

function url(env: Env, name: string, fallback: string, protocols: string[]): string {
  const value = text(env, name, fallback);
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new ConfigError(name, `"${value}" is not a URL`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(name, `must start with ${protocols.map((p) => p + '//').join(' or ')}`);
  }
  return value;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const value = raw(env, name);
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new ConfigError(name, `"${value}" is not a whole number from ${min} to ${max}`);
  }
  return Number(value);
}

function duration(env: Env, name: string, fallback: string, minMs: number): number {
  const value = text(env, name, fallback);
  let ms: number;
  try {
    ms = parseDuration(value);
  } catch (error) {
    throw new ConfigError(name, (error as Error).message);
  }
  if (ms < minMs) throw new ConfigError(name, `"${value}" is shorter than the minimum of ${minMs} ms`);
  return ms;
}

function durationList(env: Env, name: string, fallback: string): number[] {
  const value = text(env, name, fallback);
  try {
    return parseDurationList(value);
  } catch (error) {
    throw new ConfigError(name, (error as Error).message);
  }
}

function boolean(env: Env, name: string, fallback: boolean): boolean {
  const value = raw(env, name)?.toLowerCase();
  if (value === undefined) return fallback;
  if (['true', '1', 'yes'].includes(value)) return true;
  if (['false', '0', 'no'].includes(value)) return false;
  throw new ConfigError(name, `"${value}" is not true or false`);
}

function matching(env: Env, name: string, fallback: string, pattern: RegExp, description: string): string {
  const value = text(env, name, fallback);
  if (!pattern.test(value)) throw new ConfigError(name, `"${value}" may only contain ${description}`);
  return value;
}

function oneOf(env: Env, name: string, fallback: string, allowed: string[]): string {
  const value = text(env, name, fallback);
  if (!allowed.includes(value)) throw new ConfigError(name, `"${value}" is not one of ${allowed.join(', ')}`);
  return value;
}

/** Comma-separated CIDR ranges; each is checked here so a typo stops start-up, and kept as written. */
function cidrList(env: Env, name: string): string[] {
  const value = text(env, name, '');
  try {
    parseCidrList(value);
  } catch (error) {
    throw new ConfigError(name, (error as Error).message);
  }
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
}

function optionalToken(env: Env, name: string): string | undefined {
  const value = raw(env, name);
  if (value !== undefined && value.length < 16) throw new ConfigError(name, 'must be at least 16 characters');
  return value;
}

/** A key is never repeated in the message: a typo in it is still most of a key. */
function optionalSecretKey(env: Env, name: string): SecretKey | undefined {
  const value = raw(env, name);
  if (value === undefined) return undefined;
  try {
    return SecretKey.parse(value);
  } catch (error) {
    throw new ConfigError(name, (error as Error).message);
  }
}

function secretKeyList(env: Env, name: string): SecretKey[] {
  const entries = text(env, name, '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
  return entries.map((entry, index) => {
    try {
      return SecretKey.parse(entry);
    } catch (error) {
      throw new ConfigError(name, `entry ${index + 1} ${(error as Error).message}`);
    }
  });
}
