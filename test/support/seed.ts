import { loadIdemConfig } from '@app/config';
import { generateSigningSecret, newId } from '@app/core';
import { EndpointSecretCipher } from '@app/persistence';
import { createProducerRedis, DeliveryQueue, RedisConnection } from '@app/queue';
import type { Client } from 'pg';
import type { FakeReceiver } from './fake-receiver';
import { connectToDatabase, endpointSecretCipherOf, TestEnvironment } from './test-environment';

export interface SeededEndpoint {
  appId: string;
  endpointId: string;
  url: string;
  /** The secret that signs now; `standardwebhooks` verifies with it. */
  secret: string;
}

export interface SeededDelivery {
  messageId: string;
  deliveryId: string;
  payload: string;
}

export interface EndpointSeed {
  url: string;
  disabled?: boolean;
  /** Secrets beside the current one, e.g. rotated out (`expiresAt` in the future) or expired (in the past). */
  extraSecrets?: { secret: string; expiresAt: Date }[];
}

export interface MessageSeed {
  /** The JSON text stored as the message payload; the worker must send exactly these bytes. */
  payload?: (index: number) => string;
  /** Enqueue attempt 1 as the API does after commit (default); false leaves it to the sweeper. */
  enqueue?: boolean;
  /** `deliveries.enqueued_at`; the API writes now(), null means "never enqueued". */
  enqueuedAt?: 'now' | null;
}

export interface DeliveryRow {
  status: string;
  scheduled_attempts: number;
  next_attempt_at: Date | null;
  lease_expires_at: Date | null;
  enqueued_at: Date | null;
}

export interface AttemptRow {
  attempt_number: number;
  trigger: string;
  outcome: string;
  url: string;
  response_status_code: number;
  response_body: string;
  response_duration_ms: number;
  error: string | null;
  request_headers: Record<string, string> | null;
  next_attempt_at: Date | null;
  created_at: Date;
}

/**
 * Writes what the API writes when it accepts a message (the message and one pending delivery per
 * endpoint, due now, in one transaction), then enqueues attempt 1 through the real DeliveryQueue, so
 * worker suites run without the API. Endpoint secrets are sealed with the suite's key, as the API
 * stores them. Also reads deliveries and attempts back for assertions.
 */
export class Seeder {
  private constructor(
    readonly db: Client,
    readonly queue: DeliveryQueue,
    private readonly redis: RedisConnection,
    private readonly secretCipher: EndpointSecretCipher,
  ) {}

  static async open(environment: TestEnvironment): Promise<Seeder> {
    const db = await connectToDatabase(environment.databaseUrl);
    const redis = createProducerRedis(environment.redisUrl, { enableOfflineQueue: true });
    return new Seeder(db, new DeliveryQueue(redis, environment.queuePrefix, loadIdemConfig(environment.env).deliveryPolicy.job), redis, endpointSecretCipherOf(environment.env));
  }

  async endpoint(seed: EndpointSeed): Promise<SeededEndpoint> {
    const appId = newId('application');
    const endpointId = newId('endpoint');
    const secret = generateSigningSecret();
    await this.db.query(`INSERT INTO applications (id, name, metadata) VALUES ($1, 'seeded', '{}')`, [appId]);
    await this.db.query(`INSERT INTO endpoints (id, app_id, url, disabled, metadata) VALUES ($1, $2, $3, $4, '{}')`, [
      endpointId,
      appId,
      seed.url,
      seed.disabled ?? false,
    ]);
    const secrets = [{ secret, expiresAt: null as Date | null }, ...(seed.extraSecrets ?? [])];
    for (const entry of secrets) {
      await this.db.query(`INSERT INTO endpoint_secrets (id, endpoint_id, secret, expires_at) VALUES ($1, $2, $3, $4)`, [
        newId('endpointSecret'),
        endpointId,
        this.secretCipher.seal(endpointId, entry.secret),
        entry.expiresAt,
      ]);
    }
    return { appId, endpointId, url: seed.url, secret };
  }

  /** `count` messages to `endpoint`, each with its delivery, written in one transaction as the API does. */
  async messages(endpoint: SeededEndpoint, count: number, seed: MessageSeed = {}): Promise<SeededDelivery[]> {
    const payloadOf = seed.payload ?? ((index: number) => `{"seq": ${index},  "text":"ünïcode \\u00e9"}`);
    const seeded = Array.from({ length: count }, (_, index) => ({
      messageId: newId('message'),
      deliveryId: newId('delivery'),
      payload: payloadOf(index),
    }));
    const enqueuedAt = seed.enqueuedAt === null ? null : 'now';
    await this.db.query('BEGIN');
    try {
      await this.db.query(
        `INSERT INTO messages (id, app_id, event_type, payload)
         SELECT id, $2, 'seeded.event', payload FROM unnest($1::varchar[], $3::text[]) AS m(id, payload)`,
        [seeded.map((s) => s.messageId), endpoint.appId, seeded.map((s) => s.payload)],
      );
      await this.db.query(
        `INSERT INTO deliveries (id, message_id, endpoint_id, app_id, status, scheduled_attempts, next_attempt_at, enqueued_at)
         SELECT d.id, d.message_id, $3, $4, 'pending', 0, now(), ${enqueuedAt === 'now' ? 'now()' : 'NULL'}
           FROM unnest($1::varchar[], $2::varchar[]) AS d(id, message_id)`,
        [seeded.map((s) => s.deliveryId), seeded.map((s) => s.messageId), endpoint.endpointId, endpoint.appId],
      );
      await this.db.query('COMMIT');
    } catch (error) {
      await this.db.query('ROLLBACK');
      throw error;
    }
    if (seed.enqueue ?? true) await this.queue.enqueue(seeded.map((s) => ({ deliveryId: s.deliveryId, attemptNumber: 1 })));
    return seeded;
  }

  async delivery(deliveryId: string): Promise<DeliveryRow> {
    const { rows } = await this.db.query<DeliveryRow>(
      'SELECT status, scheduled_attempts, next_attempt_at, lease_expires_at, enqueued_at FROM deliveries WHERE id = $1',
      [deliveryId],
    );
    if (rows.length === 0) throw new Error(`no delivery ${deliveryId}`);
    return rows[0];
  }

  /** The delivery's attempts, oldest first. */
  async attempts(deliveryId: string): Promise<AttemptRow[]> {
    const { rows } = await this.db.query<AttemptRow>(
      `SELECT attempt_number, trigger, outcome, url, response_status_code, response_body, response_duration_ms, error,
              request_headers, next_attempt_at, created_at
         FROM attempts WHERE delivery_id = $1 ORDER BY attempt_number, created_at`,
      [deliveryId],
    );
    return rows;
  }

  /**
   * For each delivery, in order, the requests `receiver` saw for its message beside the numbers of the
   * scheduled attempts recorded for it, oldest first: as many sends as attempts means no unrecorded send.
   */
  async sendsAndAttempts(deliveries: readonly SeededDelivery[], receiver: FakeReceiver): Promise<{ sends: number; attempts: number[] }[]> {
    const counts = receiver.countsByMessageId();
    const { rows } = await this.db.query<{ delivery_id: string; numbers: number[] }>(
      `SELECT delivery_id, array_agg(attempt_number ORDER BY attempt_number) AS numbers FROM attempts
        WHERE delivery_id = ANY($1) AND trigger = 'scheduled' GROUP BY delivery_id`,
      [deliveries.map((delivery) => delivery.deliveryId)],
    );
    const numbers = new Map(rows.map((row) => [row.delivery_id, row.numbers]));
    return deliveries.map((delivery) => ({ sends: counts.get(delivery.messageId) ?? 0, attempts: numbers.get(delivery.deliveryId) ?? [] }));
  }

  /** Waits until every delivery has `status`; fails naming the ones that have not. */
  async waitForStatus(deliveryIds: readonly string[], status: string, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { rows } = await this.db.query<{ id: string; status: string }>('SELECT id, status FROM deliveries WHERE id = ANY($1)', [deliveryIds]);
      const behind = rows.filter((row) => row.status !== status);
      if (rows.length === deliveryIds.length && behind.length === 0) return;
      if (Date.now() > deadline) {
        const counts = new Map<string, number>();
        for (const row of behind) counts.set(row.status, (counts.get(row.status) ?? 0) + 1);
        throw new Error(`${behind.length} of ${deliveryIds.length} deliveries not ${status} after ${timeoutMs} ms: ${JSON.stringify([...counts])}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async close(): Promise<void> {
    await this.queue.close();
    this.redis.disconnect();
    await this.db.end();
  }
}
