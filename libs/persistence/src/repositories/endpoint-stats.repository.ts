import { AttemptOutcome, DeliveryStatus, smallestIdAt } from '@app/core';
import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Injectable } from '@nestjs/common';
import { ID_TIME_SLACK_MS } from './created-window';

/** What an endpoint's attempts in some span of time add up to. */
export interface AttemptFigures {
  success: number;
  fail: number;
  /**
   * Median `response_duration_ms` as `percentile_cont` interpolates it, read from a histogram of four
   * buckets a doubling, so within 19 % of the exact figure; null when there was no attempt.
   */
  p50Ms: number | null;
  p99Ms: number | null;
}

export interface AttemptBucket extends AttemptFigures {
  start: Date;
}

const HOUR_MS = 60 * 60 * 1000;

/**
 * Counts and response times of one endpoint, for its stats; none reads more rows as history grows.
 * Whole UTC hours come from the counters triggers keep (`endpoint_delivery_counts`,
 * `endpoint_attempt_counts`), the part of an hour at a window's ends from the rows themselves:
 * deliveries through `ix_deliveries_endpoint`, attempts index-only through `ix_attempts_endpoint` over
 * the ids that could have been minted then (ids begin with their time, give or take `ID_TIME_SLACK_MS`).
 */
@Injectable()
export class EndpointStatsRepository {
  constructor(private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>) {}

  private query<T>(sql: string, parameters: unknown[]): Promise<T[]> {
    return this.txHost.tx.query(sql, parameters);
  }

  /**
   * Deliveries to the endpoint of messages accepted in [since, until), by status, as they stand now.
   * Counters are read only for hours from `countedFrom` (when the retention cleanup may start deleting
   * messages: the counters do not follow deletes); what remains of older hours is counted row by row.
   */
  async countDeliveriesByStatus(endpointId: string, since: Date, until: Date, countedFrom: Date): Promise<Map<DeliveryStatus, number>> {
    // [firstHour, lastHour) is the run of whole, counted hours inside the window; empty when there is
    // none, and then the raw rows of the whole window are counted.
    let firstHour = firstCountedHour(since, countedFrom);
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

  /**
   * The endpoint's attempts from each of `sinces` until now, in that order. Whole hours (the current one
   * included: no attempt lies ahead of now) from `countedFrom` on come from `endpoint_attempt_counts`;
   * the time before the first of them from the attempts themselves, bucketed the same way.
   */
  async attemptFigures(endpointId: string, sinces: readonly Date[], countedFrom: Date): Promise<AttemptFigures[]> {
    const figures: AttemptFigures[] = [];
    for (const since of sinces) {
      const firstHour = firstCountedHour(since, countedFrom);
      const rows = await this.query<HistogramRow>(
        `SELECT outcome, bucket, sum(n)::int AS count FROM (
           SELECT outcome, duration_bucket AS bucket, count AS n FROM endpoint_attempt_counts WHERE endpoint_id = $1 AND hour >= $3
           UNION ALL
           SELECT outcome, attempt_duration_bucket(response_duration_ms), count(*) FROM attempts
            WHERE endpoint_id = $1 AND id >= $4 AND id < $5 AND created_at >= $2 AND created_at < $3
            GROUP BY 1, 2
         ) AS counted
         GROUP BY outcome, bucket HAVING sum(n) <> 0`,
        [endpointId, since, new Date(firstHour), ...idRange(since.getTime(), firstHour)],
      );
      figures.push(figuresOf(rows));
    }
    return figures;
  }

  /** The endpoint's attempts in each of `count` consecutive UTC hours from `from` (a whole hour), empty ones included. */
  async hourlySeries(endpointId: string, from: Date, count: number): Promise<AttemptBucket[]> {
    const rows = await this.query<HistogramRow & { hour: Date }>(
      `SELECT hour, outcome, duration_bucket AS bucket, sum(count)::int AS count FROM endpoint_attempt_counts
        WHERE endpoint_id = $1 AND hour >= $2 AND hour < $3
        GROUP BY hour, outcome, duration_bucket HAVING sum(count) <> 0`,
      [endpointId, from, new Date(from.getTime() + count * HOUR_MS)],
    );
    return Array.from({ length: count }, (_, i) => {
      const start = new Date(from.getTime() + i * HOUR_MS);
      return { start, ...figuresOf(rows.filter((row) => row.hour.getTime() === start.getTime())) };
    });
  }
}

/** The first whole hour at or after `since` that the counters hold in full: none of its rows can have been deleted. */
function firstCountedHour(since: Date, countedFrom: Date): number {
  return Math.ceil(Math.max(since.getTime(), countedFrom.getTime()) / HOUR_MS) * HOUR_MS;
}

interface HistogramRow {
  outcome: AttemptOutcome;
  bucket: number;
  count: number;
}

/** The endpoint's ($1) attempts with ids that could have been minted in [fromMs, untilMs). */
function idRange(fromMs: number, untilMs: number): [string, string] {
  return [smallestIdAt('attempt', fromMs - ID_TIME_SLACK_MS), smallestIdAt('attempt', untilMs + ID_TIME_SLACK_MS)];
}

/** The response times `attempt_duration_bucket` puts in `bucket`: [lower, upper). */
function bucketBounds(bucket: number): [number, number] {
  return bucket === 0 ? [0, 0] : [Math.max(0, 2 ** (bucket / 4) - 1), 2 ** ((bucket + 1) / 4) - 1];
}

/**
 * The first and last whole millisecond in `bucket` (durations are whole milliseconds), so a bucket that
 * holds one value gives it exactly; the bounds themselves where rounding at a power of two leaves none.
 */
function wholeMillisecondsIn(bucket: number): [number, number] {
  const [lower, upper] = bucketBounds(bucket);
  const first = Math.ceil(lower - 1e-9);
  const last = Math.ceil(upper - 1e-9) - 1;
  return last >= first ? [first, last] : [lower, upper];
}

/**
 * Postgres' `percentile_cont` over a histogram: the two ranks around the percentile are found exactly,
 * each one's value is placed inside the bucket holding it (spread evenly over the bucket), and the
 * two are interpolated as `percentile_cont` does, so the result is within a bucket's width (19 %) of
 * the exact percentile.
 */
function percentileOf(buckets: readonly [number, number][], total: number, fraction: number): number | null {
  if (total === 0) return null;
  const valueAt = (rank: number): number => {
    let seen = 0;
    for (const [bucket, count] of buckets) {
      if (rank < seen + count) {
        const [lower, upper] = wholeMillisecondsIn(bucket);
        return lower + ((upper - lower) * (rank - seen + 0.5)) / count;
      }
      seen += count;
    }
    return bucketBounds(buckets[buckets.length - 1][0])[1];
  };
  const rank = fraction * (total - 1);
  const below = valueAt(Math.floor(rank));
  return below + (valueAt(Math.ceil(rank)) - below) * (rank - Math.floor(rank));
}

function figuresOf(rows: readonly HistogramRow[]): AttemptFigures {
  const byBucket = new Map<number, number>();
  let success = 0;
  let fail = 0;
  for (const row of rows) {
    if (row.outcome === AttemptOutcome.Succeeded) success += row.count;
    else fail += row.count;
    byBucket.set(row.bucket, (byBucket.get(row.bucket) ?? 0) + row.count);
  }
  const buckets = [...byBucket].sort(([a], [b]) => a - b);
  const total = success + fail;
  return { success, fail, p50Ms: percentileOf(buckets, total, 0.5), p99Ms: percentileOf(buckets, total, 0.99) };
}
