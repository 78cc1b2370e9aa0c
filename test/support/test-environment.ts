import { loadIdemConfig } from '@app/config';
import { EndpointSecretCipher, migrateDatabase } from '@app/persistence';
import { randomBytes } from 'node:crypto';
import { createProducerRedis, keyPrefixFor } from '@app/queue';
import { Cluster } from 'ioredis';
import { Client } from 'pg';

const POSTGRES = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432';
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * One suite's own world: a fresh migrated database, its own Redis key prefix, an admin token and an
 * encryption key for endpoint secrets. `env` is what the API and worker read; `dispose` drops the
 * database and the prefix's keys.
 */
export interface TestEnvironment {
  env: Record<string, string>;
  databaseUrl: string;
  redisUrl: string;
  queuePrefix: string;
  adminToken: string;
  /** Deletes every Redis key under the suite's prefix, as a lost or flushed Redis would. */
  flushQueueKeys(): Promise<number>;
  dispose(): Promise<void>;
}

export async function createTestEnvironment(overrides: Record<string, string> = {}): Promise<TestEnvironment> {
  const suffix = randomBytes(6).toString('hex');
  const databaseName = `idem_test_${suffix}`;
  const databaseUrl = `${POSTGRES}/${databaseName}`;
  const queuePrefix = `idem_test_${suffix}`;
  const adminToken = `test_admin_${randomBytes(12).toString('hex')}`;
  // A suite run on a cluster (`redis+cluster://...`) has it as its Redis. One that points the apps at a
  // dead or proxied Redis keeps the machine's for its own look at the keys and its clean-up.
  const redisUrl = overrides.REDIS_URL?.startsWith('redis+cluster://') ? overrides.REDIS_URL : REDIS_URL;
  await migrateDatabase(databaseUrl);
  const env: Record<string, string> = {
    DATABASE_URL: databaseUrl,
    REDIS_URL,
    IDEM_QUEUE_PREFIX: queuePrefix,
    IDEM_ADMIN_TOKEN: adminToken,
    IDEM_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    IDEM_ALLOW_PRIVATE_TARGETS: 'true',
    // Many suites provoke errors on purpose (Redis flushed or down, receivers that misbehave), and the
    // apps they run in this process would print each: a passing run prints none. TEST_LOG_LEVEL=warn
    // (or debug) shows them when a suite needs looking into; suites that read the logs set their own level.
    IDEM_LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'fatal',
    HOST: '127.0.0.1',
    PORT: '0',
    // Suites run in parallel, each with its workers: every worker's health and metrics server takes a free port.
    IDEM_WORKER_PORT: '0',
    ...overrides,
  };
  const flushQueueKeys = () => deleteKeysWithPrefix(redisUrl, queuePrefix);
  return {
    env,
    databaseUrl,
    redisUrl,
    queuePrefix,
    adminToken,
    flushQueueKeys,
    async dispose() {
      await flushQueueKeys();
      await dropDatabase(databaseName);
    },
  };
}

async function dropDatabase(name: string): Promise<void> {
  const client = new Client({ connectionString: `${POSTGRES}/postgres` });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

/**
 * Finds the prefix's keys, then deletes them in one transaction, as FLUSHDB or a restart would lose them:
 * all at once, so no process sees half of them gone. Keys written while the scan runs may survive, like
 * writes just after a flush.
 */
async function deleteKeysWithPrefix(redisUrl: string, queuePrefix: string): Promise<number> {
  // On a cluster every key of the installation is in the one slot of its hash tag (see keyPrefixFor),
  // so the scan runs on each primary and one transaction still deletes them all.
  const redis = createProducerRedis(redisUrl, { enableOfflineQueue: true });
  const prefix = keyPrefixFor(redis, queuePrefix);
  try {
    // A cluster client knows its primaries once it has read the slots.
    if (redis.status !== 'ready') await new Promise((resolve, reject) => redis.once('ready', resolve).once('error', reject));
    const keys = new Set<string>();
    for (const node of redis instanceof Cluster ? redis.nodes('master') : [redis]) {
      let cursor = '0';
      do {
        const [next, found] = await node.scan(cursor, 'MATCH', `${prefix.replace(/[{}]/g, '\\$&')}:*`, 'COUNT', 1000);
        cursor = next;
        for (const key of found) keys.add(key);
      } while (cursor !== '0');
    }
    if (keys.size === 0) return 0;
    const transaction = redis.multi();
    const all = [...keys];
    for (let start = 0; start < all.length; start += 1000) transaction.del(...all.slice(start, start + 1000));
    const results = (await transaction.exec()) ?? [];
    return results.reduce((sum, [error, deleted]) => {
      if (error) throw error;
      return sum + Number(deleted);
    }, 0);
  } finally {
    redis.disconnect();
  }
}

/** The cipher the API and worker build from `env`, for tests that read or write `endpoint_secrets` directly. */
export function endpointSecretCipherOf(env: Record<string, string>): EndpointSecretCipher {
  return EndpointSecretCipher.fromConfig(loadIdemConfig(env));
}

/** A plain pg client on the suite's database, for assertions on what was (or was not) written. */
export async function connectToDatabase(databaseUrl: string): Promise<Client> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  return client;
}
