import { IdempotencyFindingKind, ProducerKeyKind } from '@app/core';
import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Injectable } from '@nestjs/common';
import { CONSTRAINT } from '../constraint-names';
import { queryPrepared } from '../prepared-query';

/** A message written under a producer key, as the send-time-key detector sees it. */
export interface KeySighting {
  appId: string;
  /** The message's content hash (event type, canonical payload, channels). */
  fingerprint: string;
  keyKind: ProducerKeyKind;
  key: string;
  messageId: string;
  eventType: string;
  /** Compared with the stored sighting of its content: set on the first sighting of each content in the batch (later ones are compared with it). */
  compare: boolean;
}

export interface NewIdempotencyFinding {
  appId: string;
  kind: IdempotencyFindingKind;
  keyKind: ProducerKeyKind;
  key: string;
  earlierKey: string | null;
  eventType: string | null;
  messageId: string | null;
  earlierMessageId: string | null;
}

export interface IdempotencyReportRow {
  counts: Record<IdempotencyFindingKind, number>;
  samples: (NewIdempotencyFinding & { createdAt: Date })[];
}

/** The idempotency report's findings, and the send-time-key detector's memory of which key each content came with. */
@Injectable()
export class IdempotencyFindingRepository {
  constructor(private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>) {}

  /**
   * In one statement: remembers each sighting's key for its content; records `findings`; and records a
   * send-time-key finding for each compared sighting whose content arrived under another key less than
   * `windowMs` ago (read from the snapshot before this statement's own writes). Returns the send-time-key
   * findings it recorded, those it detected as those given. Sightings are written in key order, so two
   * batches cannot deadlock on them.
   */
  async record(sightings: readonly KeySighting[], findings: readonly NewIdempotencyFinding[], windowMs: number): Promise<NewIdempotencyFinding[]> {
    if (sightings.length === 0 && findings.length === 0) return [];
    // Prepared, as the intake's other statements are: it runs once per batch.
    const { rows } = await queryPrepared<Record<string, string | null>>(
      this.txHost.tx,
      `WITH incoming AS (
         SELECT * FROM unnest($1::varchar[], $2::text[], $3::varchar[], $4::varchar[], $5::varchar[], $6::varchar[], $7::boolean[]) WITH ORDINALITY
                    AS i(app_id, fingerprint, key_kind, key, message_id, event_type, compare, position)
       ), earlier AS (
         SELECT i.app_id, i.key_kind, i.key, f.key AS earlier_key, i.event_type, i.message_id, f.message_id AS earlier_message_id
           FROM incoming i
           JOIN payload_fingerprints f ON f.app_id = i.app_id AND f.fingerprint = i.fingerprint
          WHERE i.compare AND f.seen_at >= now() - $8 * interval '1 millisecond' AND (f.key_kind, f.key) <> (i.key_kind, i.key)
       ), seen AS (
         INSERT INTO payload_fingerprints AS f (app_id, fingerprint, key_kind, key, message_id)
         SELECT DISTINCT ON (app_id, fingerprint) app_id, fingerprint, key_kind, key, message_id
           FROM incoming ORDER BY app_id, fingerprint, position DESC
         ON CONFLICT ON CONSTRAINT ${CONSTRAINT.payloadFingerprint} DO UPDATE
           SET key_kind = EXCLUDED.key_kind, key = EXCLUDED.key, message_id = EXCLUDED.message_id, seen_at = now()
       ), found AS (
         INSERT INTO idempotency_findings (app_id, kind, key_kind, key, earlier_key, event_type, message_id, earlier_message_id)
         SELECT * FROM unnest($9::varchar[], $10::varchar[], $11::varchar[], $12::varchar[], $13::varchar[], $14::varchar[], $15::varchar[], $16::varchar[])
         UNION ALL
         SELECT app_id, '${IdempotencyFindingKind.SendTimeKey}', key_kind, key, earlier_key, event_type, message_id, earlier_message_id FROM earlier
         RETURNING app_id, kind, key_kind, key, earlier_key, event_type, message_id, earlier_message_id
       )
       SELECT * FROM found WHERE kind = '${IdempotencyFindingKind.SendTimeKey}'`,
      [
        sightings.map((s) => s.appId),
        sightings.map((s) => s.fingerprint),
        sightings.map((s) => s.keyKind),
        sightings.map((s) => s.key),
        sightings.map((s) => s.messageId),
        sightings.map((s) => s.eventType),
        sightings.map((s) => s.compare),
        windowMs,
        findings.map((f) => f.appId),
        findings.map((f) => f.kind),
        findings.map((f) => f.keyKind),
        findings.map((f) => f.key),
        findings.map((f) => f.earlierKey),
        findings.map((f) => f.eventType),
        findings.map((f) => f.messageId),
        findings.map((f) => f.earlierMessageId),
      ],
    );
    return rows.map(findingOf);
  }

  /** The application's findings since `since`: counts per kind, and the newest `limit` of them. */
  async report(appId: string, since: Date, limit: number): Promise<IdempotencyReportRow> {
    const counted = await this.txHost.tx.query<{ kind: IdempotencyFindingKind; count: number }[]>(
      `SELECT kind, count(*)::int AS count FROM idempotency_findings WHERE app_id = $1 AND created_at >= $2 GROUP BY kind`,
      [appId, since],
    );
    const samples = await this.txHost.tx.query<Record<string, string | null>[]>(
      `SELECT app_id, kind, key_kind, key, earlier_key, event_type, message_id, earlier_message_id, created_at
         FROM idempotency_findings WHERE app_id = $1 AND created_at >= $2 ORDER BY created_at DESC, id DESC LIMIT $3`,
      [appId, since, limit],
    );
    const counts = Object.fromEntries(Object.values(IdempotencyFindingKind).map((kind) => [kind, 0])) as Record<IdempotencyFindingKind, number>;
    for (const { kind, count } of counted) counts[kind] = count;
    return { counts, samples: samples.map((row) => ({ ...findingOf(row), createdAt: row.created_at as unknown as Date })) };
  }
}

function findingOf(row: Record<string, string | null>): NewIdempotencyFinding {
  return {
    appId: row.app_id!,
    kind: row.kind as IdempotencyFindingKind,
    keyKind: row.key_kind as ProducerKeyKind,
    key: row.key!,
    earlierKey: row.earlier_key,
    eventType: row.event_type,
    messageId: row.message_id,
    earlierMessageId: row.earlier_message_id,
  };
}
