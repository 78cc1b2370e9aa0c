/**
 * A relay in a process of its own, so a test can SIGKILL it mid-run. Configured by environment:
 * DATABASE_URL, INGEST_URL, OUTBOX_TABLE.
 */
import { Pool } from 'pg';
import { IdemClient, OutboxRelay } from '@idem/sdk/emitter';

const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 4 });
const relay = new OutboxRelay(pool, {
  client: new IdemClient({ baseUrl: process.env.INGEST_URL!, token: 'test-token', timeoutMs: 5000 }),
  table: process.env.OUTBOX_TABLE,
  batchSize: 10,
  concurrency: 3,
  pollIntervalMs: 50,
  retry: { baseDelayMs: 50, maxDelayMs: 500 },
});
relay.start();
process.on('SIGTERM', () => {
  void relay.stop().then(() => pool.end());
});
