import type { INestApplicationContext } from '@nestjs/common';
import { Seeder } from '../support/seed';
import { createTestEnvironment, TestEnvironment } from '../support/test-environment';
import { until } from '../support/until';
import { startWorkerInProcess } from '../support/worker-process';

/** The periodic retention cleanup, run by two workers at once over more than one batch of old rows. */
describe('Retention cleanup', () => {
  let environment: TestEnvironment;
  let seeder: Seeder;
  const workers: INestApplicationContext[] = [];

  beforeAll(async () => {
    environment = await createTestEnvironment({
      IDEM_CLEANUP_INTERVAL: '200ms',
      IDEM_IDEMPOTENCY_RETENTION: '1h',
      IDEM_MESSAGE_RETENTION: '2h',
      IDEM_SEND_TIME_KEY_WINDOW: '30m',
    });
    seeder = await Seeder.open(environment);
  });

  afterAll(async () => {
    await Promise.all(workers.map((worker) => worker.close()));
    await seeder?.close();
    await environment?.dispose();
  });

  async function count(table: string, where = 'true'): Promise<number> {
    const { rows } = await seeder.db.query<{ count: string }>(`SELECT count(*) FROM ${table} WHERE ${where}`);
    return Number(rows[0].count);
  }

  it('deletes idempotency records, event ids and messages (with deliveries and attempts) past their windows, and nothing newer', async () => {
    const endpoint = await seeder.endpoint({ url: 'http://127.0.0.1:9/never-called' });
    const oldMessages = await seeder.messages(endpoint, 1_500, { enqueue: false });
    const middleAged = await seeder.messages(endpoint, 5, { enqueue: false });
    const fresh = await seeder.messages(endpoint, 5, { enqueue: false });
    const ids = (seeded: typeof fresh) => seeded.map((s) => s.messageId);
    // Finished deliveries, so no worker touches them while the test runs.
    await seeder.db.query(`UPDATE deliveries SET status = 'succeeded', scheduled_attempts = 1, next_attempt_at = NULL`);
    await seeder.db.query(
      `INSERT INTO attempts (id, delivery_id, message_id, endpoint_id, app_id, attempt_number, trigger, outcome, url, response_status_code, response_duration_ms)
       SELECT 'atmpt_' || d.id, d.id, d.message_id, d.endpoint_id, d.app_id, 1, 'scheduled', 'succeeded', 'http://127.0.0.1:9/', 200, 1 FROM deliveries d`,
    );
    await seeder.db.query(`UPDATE messages SET created_at = now() - interval '3 hours' WHERE id = ANY($1)`, [ids(oldMessages)]);
    await seeder.db.query(`UPDATE messages SET created_at = now() - interval '90 minutes' WHERE id = ANY($1)`, [ids(middleAged)]);
    await seeder.db.query(
      `INSERT INTO idempotency_records (scope, key, request_hash, response_status, created_at)
       SELECT 'scope', 'key-' || n, repeat('0', 64), 200, now() - CASE WHEN n <= 2500 THEN interval '2 hours' ELSE interval '10 minutes' END
         FROM generate_series(1, 2510) AS n`,
    );
    await seeder.db.query(
      `INSERT INTO message_event_ids (app_id, event_id, message_id, content_hash, created_at)
       SELECT $1, 'event-' || n, 'msg_' || n, repeat('0', 64), now() - CASE WHEN n <= 1200 THEN interval '2 hours' ELSE interval '10 minutes' END
         FROM generate_series(1, 1210) AS n`,
      [endpoint.appId],
    );

    workers.push(await startWorkerInProcess(environment.env), await startWorkerInProcess(environment.env));

    const deadline = Date.now() + 15_000;
    while ((await count('messages')) > 10 || (await count('idempotency_records')) > 10 || (await count('message_event_ids')) > 10) {
      if (Date.now() > deadline) throw new Error('retention cleanup did not finish within 15 s');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(await count('idempotency_records')).toBe(10);
    expect(await count('message_event_ids')).toBe(10);
    const { rows } = await seeder.db.query<{ id: string }>('SELECT id FROM messages ORDER BY id');
    expect(rows.map((row) => row.id)).toEqual([...ids(middleAged), ...ids(fresh)].sort());
    expect(await count('deliveries')).toBe(10);
    expect(await count('attempts')).toBe(10);
  });

  it("deletes sagas finished longer ago than the message retention, the detector's memory past its window and findings past theirs; nothing unfinished or newer", async () => {
    // Each age lies between two windows, so a table cleaned with another table's window keeps or loses the wrong rows.
    const endpoint = await seeder.endpoint({ url: 'http://127.0.0.1:9/never-called' });
    const waitedFor = await seeder.messages(endpoint, 2, { enqueue: false });
    // Unfinished sagas wait for a step whose retry is due tomorrow: neither sweeper moves them meanwhile.
    await seeder.db.query(`UPDATE deliveries SET next_attempt_at = now() + interval '1 day' WHERE message_id = ANY($1)`, [waitedFor.map((s) => s.messageId)]);
    const sagas: [string, string, string | null][] = [
      ['saga_finished_long_ago', 'completed', '3 hours'],
      ['saga_compensated_long_ago', 'compensated', '150 minutes'],
      ['saga_finished_lately', 'compensation_failed', '90 minutes'],
      ['saga_running_long', 'running', null],
      ['saga_compensating_long', 'compensating', null],
    ];
    for (const [id, status, finishedAgo] of sagas) {
      await seeder.db.query(
        `INSERT INTO sagas (id, app_id, saga_id, request_hash, steps, status, step_index, created_at, updated_at, finished_at)
         VALUES ($1, $2, $1, repeat('0', 64), '[{"name":"a","eventType":"seeded.event","payload":{},"compensation":{"eventType":"seeded.event","payload":{}}}]',
                 $3, 0, now() - interval '4 hours', now() - interval '4 hours', now() - $4::interval)`,
        [id, endpoint.appId, status, finishedAgo],
      );
    }
    await seeder.db.query(
      `INSERT INTO saga_messages (message_id, saga_pk, role, step_index)
       VALUES ('msg_of_old_saga', 'saga_finished_long_ago', 'step', 0), ($1, 'saga_running_long', 'step', 0), ($2, 'saga_compensating_long', 'compensation', 0)`,
      [waitedFor[0].messageId, waitedFor[1].messageId],
    );
    await seeder.db.query(
      `INSERT INTO payload_fingerprints (app_id, fingerprint, key_kind, key, message_id, seen_at)
       SELECT $1, lpad(n::text, 64, '0'), 'event_id', 'event-' || n, 'msg_' || n, now() - CASE WHEN n <= 1100 THEN interval '40 minutes' ELSE interval '20 minutes' END
         FROM generate_series(1, 1105) AS n`,
      [endpoint.appId],
    );
    await seeder.db.query(
      `INSERT INTO idempotency_findings (app_id, kind, key_kind, key, created_at)
       SELECT $1, 'replay', 'event_id', 'event-' || n, now() - CASE WHEN n <= 1100 THEN interval '2 hours' ELSE interval '50 minutes' END
         FROM generate_series(1, 1105) AS n`,
      [endpoint.appId],
    );
    if (workers.length === 0) workers.push(await startWorkerInProcess(environment.env));

    await until(
      async () => (await count('payload_fingerprints')) === 5 && (await count('idempotency_findings')) === 5 && (await count('sagas')) === 3,
      'the retention cleanup',
      15_000,
      100,
    );
    const { rows } = await seeder.db.query<{ id: string; status: string }>('SELECT id, status FROM sagas ORDER BY id');
    expect(rows).toEqual([
      { id: 'saga_compensating_long', status: 'compensating' },
      { id: 'saga_finished_lately', status: 'compensation_failed' },
      { id: 'saga_running_long', status: 'running' },
    ]);
    expect(await count('saga_messages')).toBe(2);
    expect(await count('payload_fingerprints', `seen_at > now() - interval '30 minutes'`)).toBe(5);
    expect(await count('idempotency_findings', `created_at > now() - interval '1 hour'`)).toBe(5);
  });
});
