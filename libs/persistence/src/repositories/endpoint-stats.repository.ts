import { AttemptOutcome, DeliveryStatus, smallestIdAt } from '@app/core';
import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Injectable } from '@nestjs/common';
import { ID_TIME_SLACK_MS } from './created-window';

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

const HOUR_MS = 60 * 60 * 1000;

/**
 * Counts and response times of one endpoint, for its stats; none reads more rows as history grows.
 * Deliveries by status come from `endpoint_delivery_counts` for the whole UTC hours of the window and
 * from `ix_deliveries_endpoint` for the parts of an hour at either end. Attempts are read index-only
 * from `ix_attempts_endpoint` over the ids minted in the window (ids begin with their time, give or
 * take `ID_TIME_SLACK_MS`), then kept by `created_at`: at most a day and two hours of one endpoint's.
 */
@Injectable()
export class EndpointStatsRepository {
  constructor(private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>) {}

  private query<T>(sql: string, parameters: unknown[]): Promise<T[]> {
    return this.txHost.tx.query(sql, parameters);
  }

  /** Deliveries to the endpoint of messages accepted in [since, until), by status, as they stand now. */
  async countDeliveriesByStatus(endpointId: string, since: Date, until: Date): Promise<Map<DeliveryStatus, number>> {
    // [firstHour, lastHour) is the run of whole hours inside the window; empty when there is none, and
    // then the raw rows of the whole window are counted.
    let firstHour = Math.ceil(since.getTime() / HOUR_MS) * HOUR_MS;
    let lastHour = Math.floor(until.getTime() / HOUR_MS) * HOUR_MS;
    if (firstHour >= lastHour) firstHour = lastHour = until.getTime();
    const rows = await this.query<{ status: DeliveryStatus; count: number }>(
      `SELECT status, sum(count)::int AS count FROM (
         SELECT status, count FROM endpoint_delivery_counts WHERE endpoint_id = $1 AND hour >= $4 AND hour < $5
         UNION ALL
         SELECT status, count(*) FROM deliveries
          WHERE endpoint_id = $1 AND ((created_at >= $2 AND created_at < $4) OR (created_at >= $5 AND created_at < $3))
          GROUP BY status
       ) AS counted
       GROUP BY status HAVING sum(count) <> 0`,
      [endpointId, since, until, new Date(firstHour), new Date(lastHour)],
    );
    return new Map(rows.map((row) => [row.status, row.count]));
  }

  /** The endpoint's attempts in [since, until), once for each of `sinces`, in that order. */
  async attemptFigures(endpointId: string, sinces: readonly Date[], until: Date): Promise<AttemptFigures[]> {
    const earliest = Math.min(...sinces.map((since) => since.getTime()));
    const rows = await this.query<FiguresRow & { position: string }>(
      `WITH a AS MATERIALIZED (${attemptsWithIdsIn('$4', '$5')})
       SELECT w.position, ${FIGURES}
         FROM unnest($2::timestamptz[]) WITH ORDINALITY AS w(since, position)
         LEFT JOIN a ON a.created_at >= w.since AND a.created_at < $3
        GROUP BY w.position
        ORDER BY w.position`,
      [endpointId, sinces, until, ...idRange(earliest, until.getTime())],
    );
    return rows.map(toFigures);
  }

  /** The endpoint's attempts in `count` consecutive buckets of `bucketMs` from `from`, empty ones included. */
  async attemptSeries(endpointId: string, from: Date, bucketMs: number, count: number): Promise<AttemptBucket[]> {
    const until = from.getTime() + bucketMs * count;
    // One walk of the index over the whole span, each attempt put in its bucket by arithmetic.
    const rows = await this.query<FiguresRow & { start: Date }>(
      `WITH a AS MATERIALIZED (${attemptsWithIdsIn('$5', '$6')}),
            bucketed AS (
              SELECT floor(extract(epoch FROM a.created_at - $2::timestamptz) * 1000 / $3)::int AS i, a.outcome, a.response_duration_ms
                FROM a WHERE a.created_at >= $2::timestamptz AND a.created_at < $2::timestamptz + $3 * $4 * interval '1 millisecond')
       SELECT $2::timestamptz + n.i * $3 * interval '1 millisecond' AS start, ${FIGURES}
         FROM generate_series(0, $4 - 1) AS n(i)
         LEFT JOIN bucketed a ON a.i = n.i
        GROUP BY n.i
        ORDER BY n.i`,
      [endpointId, from, bucketMs, count, ...idRange(from.getTime(), until)],
    );
    return rows.map((row) => ({ start: row.start, ...toFigures(row) }));
  }
}

/** The endpoint's ($1) attempts with ids in [from, until): the caller keeps those of its span by `created_at`. */
function attemptsWithIdsIn(from: string, until: string): string {
  return `SELECT created_at, outcome, response_duration_ms FROM attempts WHERE endpoint_id = $1 AND id >= ${from} AND id < ${until}`;
}

function idRange(fromMs: number, untilMs: number): [string, string] {
  return [smallestIdAt('attempt', fromMs - ID_TIME_SLACK_MS), smallestIdAt('attempt', untilMs + ID_TIME_SLACK_MS)];
}

function toFigures(row: FiguresRow): AttemptFigures {
  return { success: row.success, fail: row.fail, p50Ms: row.p50, p99Ms: row.p99 };
}
