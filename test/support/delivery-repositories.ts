import { AttemptOutcome, DeliveryTransition, generateSigningSecret, newId } from '@app/core';
import {
  dataSourceOptions,
  DeliveryClaimRepository,
  DeliveryLaneRepository,
  DeliveryOutcomeRepository,
  DeliveryResendRepository,
  DeliverySweepRepository,
  ScheduledAttemptRecord,
} from '@app/persistence';
import type { TransactionHost } from '@nestjs-cls/transactional';
import type { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { DataSource } from 'typeorm';
import { createTestEnvironment, endpointSecretCipherOf, TestEnvironment } from './test-environment';

export interface DeliverySeed {
  eventType?: string;
  /** The entity the message is about: its name, id and (for states) version. */
  entity?: { name: string; id: string; version?: number; semantics?: 'state' | 'delta' | 'command' };
  status?: string;
  scheduledAttempts?: number;
  /** Seconds from now until the attempt is due (negative: overdue). */
  dueInS?: number;
  /** Seconds since the message was accepted, to order a lane without waiting. */
  acceptedSecondsAgo?: number;
  leaseExpiresInS?: number | null;
}

/**
 * The delivery repositories over a real, migrated database of their own, outside any Nest app: what
 * their SQL does, row by row. Statements run in autocommit, as a worker's batch without a unit of work.
 */
export class DeliveryRepositories {
  readonly claim: DeliveryClaimRepository;
  readonly outcome: DeliveryOutcomeRepository;
  readonly resend: DeliveryResendRepository;
  readonly sweep: DeliverySweepRepository;
  readonly lanes: DeliveryLaneRepository;

  private constructor(
    readonly environment: TestEnvironment,
    readonly dataSource: DataSource,
  ) {
    const txHost = { tx: dataSource.manager } as unknown as TransactionHost<TransactionalAdapterTypeOrm>;
    const cipher = endpointSecretCipherOf(environment.env);
    this.claim = new DeliveryClaimRepository(txHost, cipher);
    this.outcome = new DeliveryOutcomeRepository(txHost);
    this.resend = new DeliveryResendRepository(txHost, cipher);
    this.sweep = new DeliverySweepRepository(txHost);
    this.lanes = new DeliveryLaneRepository(txHost);
    this.cipher = cipher;
  }

  private readonly cipher: ReturnType<typeof endpointSecretCipherOf>;

  static async open(): Promise<DeliveryRepositories> {
    const environment = await createTestEnvironment();
    const dataSource = new DataSource(dataSourceOptions(environment.databaseUrl));
    await dataSource.initialize();
    return new DeliveryRepositories(environment, dataSource);
  }

  async close(): Promise<void> {
    await this.dataSource.destroy();
    await this.environment.dispose();
  }

  sql<T = Record<string, unknown>>(text: string, parameters: unknown[] = []): Promise<T[]> {
    return this.dataSource.query(text, parameters);
  }

  /** An application with one endpoint and its signing secret. */
  async endpoint(): Promise<{ appId: string; endpointId: string }> {
    const appId = newId('application');
    const endpointId = newId('endpoint');
    await this.sql(`INSERT INTO applications (id, name, metadata) VALUES ($1, 'repository spec', '{}')`, [appId]);
    await this.sql(`INSERT INTO endpoints (id, app_id, url, metadata) VALUES ($1, $2, 'http://127.0.0.1:9/hook', '{}')`, [endpointId, appId]);
    await this.sql(`INSERT INTO endpoint_secrets (id, endpoint_id, secret) VALUES ($1, $2, $3)`, [
      newId('endpointSecret'),
      endpointId,
      this.cipher.seal(endpointId, generateSigningSecret()),
    ]);
    return { appId, endpointId };
  }

  /** An event type with a retry-safety contract, as the API stores it. */
  async eventType(name: string, retrySafety: Record<string, unknown>): Promise<void> {
    await this.sql(`INSERT INTO event_types (name, description, retry_safety) VALUES ($1, $2, $3) ON CONFLICT (name) DO UPDATE SET retry_safety = EXCLUDED.retry_safety`, [
      name,
      name,
      JSON.stringify(retrySafety),
    ]);
  }

  /** A message and its delivery to `endpoint`, due now unless told. */
  async delivery(endpoint: { appId: string; endpointId: string }, seed: DeliverySeed = {}): Promise<{ messageId: string; deliveryId: string }> {
    const messageId = newId('message');
    const deliveryId = newId('delivery');
    const entity = seed.entity;
    await this.sql(
      `INSERT INTO messages (id, app_id, event_type, payload, entity_name, entity_id, entity_version, entity_semantics, created_at)
       VALUES ($1, $2, $3, '{}', $4, $5, $6, $7, now() - $8 * interval '1 second')`,
      [messageId, endpoint.appId, seed.eventType ?? 'spec.event', entity?.name ?? null, entity?.id ?? null, entity?.version ?? null,
        entity ? (entity.semantics ?? 'state') : null, seed.acceptedSecondsAgo ?? 0],
    );
    await this.sql(
      `INSERT INTO deliveries (id, message_id, endpoint_id, app_id, status, scheduled_attempts, next_attempt_at, lease_expires_at, enqueued_at, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, now() + $7 * interval '1 second',
               CASE WHEN $8::float8 IS NULL THEN NULL ELSE now() + $8::float8 * interval '1 second' END, now(), now() - $9 * interval '1 second')`,
      [deliveryId, messageId, endpoint.endpointId, endpoint.appId, seed.status ?? 'pending', seed.scheduledAttempts ?? 0, seed.dueInS ?? 0,
        seed.leaseExpiresInS ?? null, seed.acceptedSecondsAgo ?? 0],
    );
    return { messageId, deliveryId };
  }

  async statusOf(deliveryId: string): Promise<{ status: string; scheduled_attempts: number; superseded_by: string | null; next_attempt_at: Date | null }> {
    const [row] = await this.sql<{ status: string; scheduled_attempts: number; superseded_by: string | null; next_attempt_at: Date | null }>(
      `SELECT status, scheduled_attempts, superseded_by, next_attempt_at FROM deliveries WHERE id = $1`,
      [deliveryId],
    );
    return row;
  }

  /** The record of a scheduled attempt of a claimed delivery, with `transition` as its outcome. */
  attemptRecord(
    delivery: { deliveryId: string; messageId: string },
    endpoint: { appId: string; endpointId: string },
    transition: ScheduledAttemptRecord['transition'],
    attemptNumber = 1,
  ): ScheduledAttemptRecord {
    const succeeded = transition === DeliveryTransition.Succeed || transition === DeliveryTransition.ResolveStale;
    return {
      deliveryId: delivery.deliveryId,
      attemptNumber,
      messageId: delivery.messageId,
      endpointId: endpoint.endpointId,
      appId: endpoint.appId,
      url: 'http://127.0.0.1:9/hook',
      outcome: succeeded ? AttemptOutcome.Succeeded : AttemptOutcome.Failed,
      transition,
      responseStatusCode: succeeded ? 200 : 500,
      responseBody: '',
      responseDurationMs: 3,
      error: null,
      requestHeaders: {},
      responseHeaders: null,
      nextAttemptAt: transition === DeliveryTransition.Retry ? new Date(Date.now() + 60_000) : null,
      attemptedAt: new Date(),
    };
  }
}
