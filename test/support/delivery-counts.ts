import { Client } from 'pg';

/**
 * Every endpoint's delivery counters (`endpoint_delivery_counts`, kept by triggers) beside a count of the
 * deliveries themselves by (endpoint, UTC hour of creation, status): what the endpoint stats rely on.
 */
export async function countersAndRows(db: Client): Promise<{ counters: string[]; rows: string[] }> {
  const counted = async (sql: string) => (await db.query<{ key: string }>(`SELECT endpoint_id || ' ' || hour || ' ' || status || ' ' || n AS key FROM (${sql}) AS c ORDER BY 1`)).rows.map((row) => row.key);
  return {
    counters: await counted(`SELECT endpoint_id, hour, status, sum(count) AS n FROM endpoint_delivery_counts GROUP BY 1, 2, 3 HAVING sum(count) <> 0`),
    rows: await counted(`SELECT endpoint_id, date_trunc('hour', created_at, 'UTC') AS hour, status, count(*) AS n FROM deliveries GROUP BY 1, 2, 3`),
  };
}

/** An `it` for the end of a suite whose deliveries went through many statuses. */
export function itKeepsDeliveryCountersExact(db: () => Client): void {
  it('leaves the endpoint delivery counters equal to a count of the deliveries, by hour and status', async () => {
    const { counters, rows } = await countersAndRows(db());
    expect(rows.length).toBeGreaterThan(0);
    expect(counters).toEqual(rows);
  });
}
