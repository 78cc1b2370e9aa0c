import { DeliveryTransition, EventSemantics, INITIAL_DELIVERY_STATUS, RetrySafety, SchemaEnforcement, sqlStatusAfter, sqlStatusMayTake, Subscription } from '@app/core';
import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Injectable } from '@nestjs/common';
import { CONSTRAINT } from '../constraint-names';
import { MessageEntity } from '../entities';
import { queryPrepared } from '../prepared-query';
import { IdempotencyRecordFields, idempotencyLocksSql, idempotencyRecordParameters, insertIdempotencyRecordsSql, ScopedKey } from './idempotency-record.repository';

/** An application as accepting a message sees it: who may name it, and where its messages go. */
export interface IntakeApplication {
  id: string;
  uid: string | null;
  /** Its enabled endpoints, oldest first, with the filters that pick their messages. */
  enabledEndpoints: (Subscription & { id: string })[];
}

/** An event type whose schema or retry-safety contract applies to its messages; `version` changes whenever the event type does. */
export interface EventTypeContract {
  name: string;
  schemaEnforcement: SchemaEnforcement;
  retrySafety: RetrySafety | null;
  version: string;
}

/** The newest state of one entity, as a message of the batch carries it. */
export interface EntityState {
  appId: string;
  entityName: string;
  entityId: string;
  version: number;
  messageId: string;
}

/** A message as it is accepted, before Postgres stamps its times. */
export interface NewMessage
  extends Pick<MessageEntity, 'id' | 'appId' | 'eventType' | 'eventId' | 'channels' | 'schemaViolations' | 'entityName' | 'entityId' | 'entityVersion' | 'entitySemantics' | 'entityStale'> {
  payload: string;
  /** How long after acceptance the payload is expunged. */
  payloadRetentionHours: number;
}

export interface NewDelivery {
  id: string;
  messageId: string;
  endpointId: string;
}

export interface EventIdClaim {
  appId: string;
  eventId: string;
  messageId: string;
  contentHash: string;
}

/** Who holds an eventId once the claims are written: the claimant, or whoever claimed it first. */
export interface EventIdHolder {
  appId: string;
  eventId: string;
  messageId: string;
  contentHash: string;
}

/**
 * The writes of message intake, each one statement for a whole batch of messages (arrays through
 * `unnest`), so that a group commit costs the same round trips for one message as for a hundred.
 */
@Injectable()
export class IntakeRepository {
  constructor(private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>) {}

  private async query<T>(sql: string, parameters: unknown[]): Promise<T[]> {
    return (await queryPrepared<T>(this.txHost.tx, sql, parameters)).rows;
  }

  /**
   * What a batch needs before it writes, in one round trip: the advisory locks of its `Idempotency-Key`s
   * (see `idempotencyLocksSql`), the applications named by id or uid with their enabled endpoints (a
   * name may match one application by id and another by uid: both come back), the contracts of those
   * of `eventTypes` that apply a schema or a retry-safety contract, and the transaction's time, which
   * is every message's `created_at`.
   */
  async findRouting(
    idsOrUids: readonly string[],
    eventTypes: readonly string[],
    keys: readonly ScopedKey[],
  ): Promise<{ applications: IntakeApplication[]; contracts: EventTypeContract[]; locked: boolean[]; now: Date }> {
    const [row] = await this.query<{ applications: IntakeApplication[]; contracts: EventTypeContract[]; locked: boolean[]; now: Date }>(
      `SELECT ${idempotencyLocksSql('$3', '$4')} AS locked, now() AS now,
         (SELECT COALESCE(json_agg(json_build_object('id', a.id, 'uid', a.uid, 'enabledEndpoints', a.endpoints)), '[]')
            FROM (SELECT a.id, a.uid,
                         COALESCE(json_agg(json_build_object('id', e.id, 'filterTypes', e.filter_types, 'channels', e.channels) ORDER BY e.id)
                                    FILTER (WHERE e.id IS NOT NULL), '[]') AS endpoints
                    FROM applications a
                    LEFT JOIN endpoints e ON e.app_id = a.id AND NOT e.disabled
                   WHERE a.id = ANY($1::varchar[]) OR a.uid = ANY($1::varchar[])
                   GROUP BY a.id) a) AS applications,
         (SELECT COALESCE(json_agg(json_build_object('name', t.name, 'schemaEnforcement', t.schema_enforcement, 'retrySafety', t.retry_safety, 'version', t.updated_at::text)), '[]')
            FROM event_types t
           WHERE t.name = ANY($2::varchar[]) AND (t.schema_enforcement <> '${SchemaEnforcement.Off}' OR t.retry_safety IS NOT NULL)) AS contracts`,
      [idsOrUids, eventTypes, keys.map((k) => k.scope), keys.map((k) => k.key)],
    );
    return row;
  }

  /** The event types' schemas, with the version (see `EventTypeContract`) they belong to. */
  findSchemas(eventTypes: readonly string[]): Promise<{ name: string; schemas: Record<string, unknown> | null; version: string }[]> {
    return this.query(`SELECT name, schemas, updated_at::text AS version FROM event_types WHERE name = ANY($1::varchar[])`, [eventTypes]);
  }

  /**
   * Records each claim's eventId as its message's, unless a record younger than `expiredBefore` holds
   * it, and returns every eventId's holder afterwards. The conflicting row is always updated (to itself
   * when it is kept) so that RETURNING reports it even when a concurrent transaction committed it after
   * this statement began; a concurrent claim of the same eventId waits on that row until the first
   * transaction ends, so exactly one claim wins. Claims must name distinct eventIds; they are written in
   * one order (app, eventId) so that two batches claiming the same ids cannot deadlock.
   */
  async claimEventIds(claims: readonly EventIdClaim[], expiredBefore: Date): Promise<EventIdHolder[]> {
    if (claims.length === 0) return [];
    const sorted = [...claims].sort((a, b) => compare(a.appId, b.appId) || compare(a.eventId, b.eventId));
    const rows = await this.query<{ app_id: string; event_id: string; message_id: string; content_hash: string }>(
      `INSERT INTO message_event_ids AS held (app_id, event_id, message_id, content_hash)
       SELECT * FROM unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::varchar[])
       ON CONFLICT ON CONSTRAINT ${CONSTRAINT.messageEventId} DO UPDATE
         SET message_id = CASE WHEN held.created_at < $5 THEN EXCLUDED.message_id ELSE held.message_id END,
             content_hash = CASE WHEN held.created_at < $5 THEN EXCLUDED.content_hash ELSE held.content_hash END,
             created_at = CASE WHEN held.created_at < $5 THEN now() ELSE held.created_at END
       RETURNING app_id, event_id, message_id, content_hash`,
      [sorted.map((c) => c.appId), sorted.map((c) => c.eventId), sorted.map((c) => c.messageId), sorted.map((c) => c.contentHash), expiredBefore],
    );
    return rows.map((row) => ({ appId: row.app_id, eventId: row.event_id, messageId: row.message_id, contentHash: row.content_hash }));
  }

  /**
   * Records each state as its entity's newest unless a version at least as high is recorded already;
   * returns the message ids whose state became the newest. States must name distinct entities; they are
   * written in one order so that two batches cannot deadlock.
   */
  async advanceEntityVersions(states: readonly EntityState[]): Promise<Set<string>> {
    if (states.length === 0) return new Set();
    const sorted = [...states].sort((a, b) => compare(a.appId, b.appId) || compare(a.entityName, b.entityName) || compare(a.entityId, b.entityId));
    const rows = await this.query<{ message_id: string }>(
      `INSERT INTO entity_versions AS held (app_id, entity_name, entity_id, version, message_id)
       SELECT * FROM unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::bigint[], $5::varchar[])
       ON CONFLICT ON CONSTRAINT ${CONSTRAINT.entityVersion} DO UPDATE
         SET version = EXCLUDED.version, message_id = EXCLUDED.message_id, updated_at = now()
         WHERE held.version < EXCLUDED.version
       RETURNING message_id`,
      [sorted.map((s) => s.appId), sorted.map((s) => s.entityName), sorted.map((s) => s.entityId), sorted.map((s) => s.version), sorted.map((s) => s.messageId)],
    );
    return new Set(rows.map((row) => row.message_id));
  }

  /**
   * Supersedes the deliveries of older states of these entities that still wait for an attempt to an
   * endpoint the newer state is being delivered to (call after inserting the newer messages). An attempt
   * already in flight finishes. Returns how many were superseded.
   */
  async supersedeOlderStates(newest: readonly EntityState[]): Promise<number> {
    if (newest.length === 0) return 0;
    const { rowCount } = await queryPrepared(
      this.txHost.tx,
      `UPDATE deliveries d
          SET status = ${sqlStatusAfter(DeliveryTransition.Supersede)}, superseded_by = newer.message_id,
              next_attempt_at = NULL, lease_expires_at = NULL, updated_at = now()
         FROM unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::bigint[], $5::varchar[]) AS newer(app_id, entity_name, entity_id, version, message_id)
         JOIN messages older ON older.app_id = newer.app_id AND older.entity_name = newer.entity_name
                            AND older.entity_id = newer.entity_id AND older.entity_version < newer.version
                            AND older.entity_semantics = '${EventSemantics.State}'
         JOIN deliveries fresh ON fresh.message_id = newer.message_id
        WHERE d.message_id = older.id AND d.endpoint_id = fresh.endpoint_id AND ${sqlStatusMayTake(DeliveryTransition.Supersede, 'd.status')}`,
      [newest.map((s) => s.appId), newest.map((s) => s.entityName), newest.map((s) => s.entityId), newest.map((s) => s.version), newest.map((s) => s.messageId)],
    );
    return rowCount;
  }

  /** The messages with these ids (those that still exist). */
  findMessages(ids: readonly string[]): Promise<MessageEntity[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.txHost.tx.getRepository(MessageEntity).createQueryBuilder('message').where('message.id = ANY(:ids)', { ids: [...new Set(ids)] }).getMany();
  }

  /**
   * Inserts the messages, their pending deliveries and the batch's `Idempotency-Key` records in one
   * statement. Messages are stamped with the transaction's time (`now()`, as `findRouting` returned it),
   * so the records' responses can be built before the insert.
   */
  async insertMessages(messages: readonly NewMessage[], deliveries: readonly NewDelivery[], records: readonly IdempotencyRecordFields[], keptSince: Date): Promise<void> {
    if (messages.length === 0 && records.length === 0) return;
    await this.query(
      `WITH message AS (
         INSERT INTO messages (id, app_id, event_type, event_id, payload, channels, payload_expires_at, schema_violations,
                               entity_name, entity_id, entity_version, entity_stale, entity_semantics)
         SELECT m.id, m.app_id, m.event_type, m.event_id, m.payload,
                CASE WHEN m.channels IS NULL THEN NULL ELSE ARRAY(SELECT json_array_elements_text(m.channels::json)) END,
                now() + m.retention_hours * interval '1 hour', m.schema_violations::jsonb,
                m.entity_name, m.entity_id, m.entity_version, m.entity_stale, m.entity_semantics
           FROM unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::varchar[], $5::text[], $6::text[], $7::int[], $11::text[],
                       $12::varchar[], $13::varchar[], $14::bigint[], $15::boolean[], $22::varchar[])
                AS m(id, app_id, event_type, event_id, payload, channels, retention_hours, schema_violations,
                     entity_name, entity_id, entity_version, entity_stale, entity_semantics)
         RETURNING id, app_id, created_at
       ), delivery AS (
         INSERT INTO deliveries (id, message_id, endpoint_id, app_id, status, scheduled_attempts, next_attempt_at, enqueued_at)
         SELECT d.id, message.id, d.endpoint_id, message.app_id, '${INITIAL_DELIVERY_STATUS}', 0, message.created_at, message.created_at
           FROM unnest($8::varchar[], $9::varchar[], $10::varchar[]) AS d(id, message_id, endpoint_id)
           JOIN message ON message.id = d.message_id
       ), record AS (
         ${insertIdempotencyRecordsSql(16)}
       )
       SELECT count(*) FROM message`,
      [
        messages.map((m) => m.id),
        messages.map((m) => m.appId),
        messages.map((m) => m.eventType),
        messages.map((m) => m.eventId),
        messages.map((m) => m.payload),
        messages.map((m) => (m.channels ? JSON.stringify(m.channels) : null)),
        messages.map((m) => m.payloadRetentionHours),
        deliveries.map((d) => d.id),
        deliveries.map((d) => d.messageId),
        deliveries.map((d) => d.endpointId),
        messages.map((m) => (m.schemaViolations ? JSON.stringify(m.schemaViolations) : null)),
        messages.map((m) => m.entityName),
        messages.map((m) => m.entityId),
        messages.map((m) => m.entityVersion),
        messages.map((m) => m.entityStale),
        ...idempotencyRecordParameters(records, keptSince),
        messages.map((m) => m.entitySemantics),
      ],
    );
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
