import { AttemptOutcome, DeliveryStatus } from '@app/core';
import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Injectable } from '@nestjs/common';

/** What an endpoint's attempts in some span of time add up to. */
export interface AttemptFigures {
  success: number;
  fail: number;
  /** Median `response_duration_ms`, interpolated (`percentile_cont`); null when there was no attempt. */
  p50Ms: number | null;
  p99Ms: number | null;
}

export interface AttemptBucket extends AttemptFigures {
  start: Date;
}

interface FiguresRow {
  success: number;
  fail: number;
  p50: number | null;
  p99: number | null;
}

const FIGURES = `count(*) FILTER (WHERE a.outcome = '${AttemptOutcome.Succeeded}')::int AS success,
       count(*) FILTER (WHERE a.outcome = '${AttemptOutcome.Failed}')::int AS fail,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY a.response_duration_ms) AS p50,
       percentile_cont(0.99) WITHIN GROUP (ORDER BY a.response_duration_ms) AS p99`;

/**
 * Counts and response times of one endpoint, for its stats. Every query reads one endpoint's rows in
 * a time range off an index that starts with (endpoint_id, created_at): deliveries through
 * `ix_deliveries_endpoint`, attempts through `ix_attempts_endpoint_created_at` (index-only).
 */
@Injectable()
export class EndpointStatsRepository {
  constructor(private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>) {}

  private query<T>(sql: string, parameters: unknown[]): Promise<T[]> {
    return this.txHost.tx.query(sql, parameters);
  }

  /** Deliveries to the endpoint of messages accepted in [since, until), by status. */
  async countDeliveriesByStatus(endpointId: string, since: Date, until: Date): Promise<Map<DeliveryStatus, number>> {
    const rows = await this.query<{ status: DeliveryStatus; count: number }>(
      `SELECT status, count(*)::int AS count FROM deliveries
        WHERE endpoint_id = $1 AND created_at >= $2 AND created_at < $3
        GROUP BY status`,
      [endpointId, since, until],
    );
    return new Map(rows.map((row) => [row.status, row.count]));
  }

  /** The endpoint's attempts in [since, until), once for each of `sinces`, in that order. */
  async attemptFigures(endpointId: string, sinces: readonly Date[], until: Date): Promise<AttemptFigures[]> {
    const rows = await this.query<FiguresRow & { position: string }>(
      `SELECT w.position, ${FIGURES}
         FROM unnest($2::timestamptz[]) WITH ORDINALITY AS w(since, position)
         LEFT JOIN attempts a ON a.endpoint_id = $1 AND a.created_at >= w.since AND a.created_at < $3
        GROUP BY w.position
        ORDER BY w.position`,
      [endpointId, sinces, until],
    );
    return rows.map(toFigures);
  }

  /** The endpoint's attempts in `count` consecutive buckets of `bucketMs` from `from`, empty ones included. */
  async attemptSeries(endpointId: string, from: Date, bucketMs: number, count: number): Promise<AttemptBucket[]> {
    const rows = await this.query<FiguresRow & { start: Date }>(
      `SELECT b.start, ${FIGURES}
         FROM generate_series(0, $4 - 1) AS n(i)
        CROSS JOIN LATERAL (SELECT $2::timestamptz + n.i * $3 * interval '1 millisecond' AS start) AS b
         LEFT JOIN attempts a ON a.endpoint_id = $1 AND a.created_at >= b.start AND a.created_at < b.start + $3 * interval '1 millisecond'
        GROUP BY b.start
        ORDER BY b.start`,
      [endpointId, from, bucketMs, count],
    );
    return rows.map((row) => ({ start: row.start, ...toFigures(row) }));
  }
}

function toFigures(row: FiguresRow): AttemptFigures {
  return { success: row.success, fail: row.fail, p50Ms: row.p50, p99Ms: row.p99 };
}
