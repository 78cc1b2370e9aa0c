import { Client } from 'pg';

const DELIVERY_COUNTERS = `SELECT endpoint_id, hour, status AS kind, sum(count) AS n FROM endpoint_delivery_counts GROUP BY 1, 2, 3 HAVING sum(count) <> 0`;
const DELIVERY_ROWS = `SELECT endpoint_id, date_trunc('hour', created_at, 'UTC') AS hour, status AS kind, count(*) AS n FROM deliveries GROUP BY 1, 2, 3`;
const ATTEMPT_COUNTERS = `SELECT endpoint_id, hour, outcome || '/' || duration_bucket AS kind, sum(count) AS n FROM endpoint_attempt_counts GROUP BY 1, 2, 3 HAVING sum(count) <> 0`;
const ATTEMPT_ROWS = `SELECT endpoint_id, date_trunc('hour', created_at, 'UTC') AS hour, outcome || '/' || attempt_duration_bucket(response_duration_ms) AS kind, count(*) AS n FROM attempts GROUP BY 1, 2, 3`;

async function keys(db: Client, sql: string): Promise<string[]> {
  const { rows } = await db.query<{ key: string }>(`SELECT endpoint_id || ' ' || hour || ' ' || kind || ' ' || n AS key FROM (${sql}) AS c ORDER BY 1`);
  return rows.map((row) => row.key);
}

/**
 * Every endpoint's counters (kept by triggers) beside a count of the rows themselves by (endpoint, UTC
 * hour, status) for deliveries and (endpoint, UTC hour, outcome, duration bucket) for attempts: what the
 * endpoint stats rely on.
 */
export async function countersAndRows(db: Client, of: 'deliveries' | 'attempts' = 'deliveries'): Promise<{ counters: string[]; rows: string[] }> {
  const [counters, rows] = of === 'deliveries' ? [DELIVERY_COUNTERS, DELIVERY_ROWS] : [ATTEMPT_COUNTERS, ATTEMPT_ROWS];
  return { counters: await keys(db, counters), rows: await keys(db, rows) };
}

/** An `it` for the end of a suite whose deliveries went through many statuses and attempts. */
export function itKeepsEndpointCountersExact(db: () => Client): void {
  it('leaves the endpoint counters equal to a count of the deliveries and attempts, by hour', async () => {
    for (const of of ['deliveries', 'attempts'] as const) {
      const { counters, rows } = await countersAndRows(db(), of);
      expect(rows.length).toBeGreaterThan(0);
      expect(counters).toEqual(rows);
    }
  });
}
