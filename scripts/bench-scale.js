#!/usr/bin/env node
// `npm run bench:scale`: what history costs. One database is grown with set-based SQL to a chosen number
// of messages shaped like real traffic (50 applications, one of them holding a third of the messages,
// one endpoint each, about 1.2 attempts per delivery, 2 % failed, over 30 days); the read routes, single
// creates and one retention cycle are measured on it and on an empty database in the same run, and each
// figure is printed as a ratio to the empty one, with the bytes the traffic tables take per message.
// BENCH_SCALE_MESSAGES (default 3,000,000) chooses the size; BENCH_SCALE_SEED_SECONDS (default 1800)
// bounds the growing, which stops at the last whole chunk when time runs out (the size reached is
// reported). Written as JSON too (BENCH_SCALE_JSON, default bench-scale-results.json).
const { fork, spawn, spawnSync } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Client } = require('pg');
const { Pool } = require('undici');
const { dropInstallation, percentile, round, sleep, waitUntil } = require('./bench/harness');

const root = path.resolve(__dirname, '..');
const targetMessages = Number(process.env.BENCH_SCALE_MESSAGES ?? 3_000_000);
const seedSeconds = Number(process.env.BENCH_SCALE_SEED_SECONDS ?? 1800);
const calls = Number(process.env.BENCH_SCALE_CALLS ?? 200);
const createSeconds = Number(process.env.BENCH_SCALE_CREATE_SECONDS ?? 5);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 32);
const jsonPath = path.resolve(root, process.env.BENCH_SCALE_JSON ?? 'bench-scale-results.json');
const postgres = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const APPLICATIONS = 50;
const DAYS = 30;
const CHUNK = 100_000;
/** Messages put past the retention window before the cleanup is timed. */
const EXPIRED = 2000;
const TRAFFIC_TABLES = ['messages', 'deliveries', 'attempts', 'message_event_ids', 'idempotency_records', 'endpoint_delivery_counts', 'endpoint_attempt_counts'];

const children = [];
const installations = [];

/**
 * Ids as `newId` mints them (prefix, 10 Crockford characters of milliseconds, 16 random ones), so lists,
 * time windows and keyset pages read the rows as they read real ones. Upper-case hex is valid Crockford.
 */
const ID_FUNCTION = `
  CREATE FUNCTION pg_temp.bench_id(prefix text, millis bigint, seed text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT prefix || '_' || string_agg(substr('0123456789ABCDEFGHJKMNPQRSTVWXYZ', ((millis >> (5 * (9 - i))) & 31)::int + 1, 1), '' ORDER BY i)
           || upper(substr(md5(seed), 1, 16))
      FROM generate_series(0, 9) AS i
  $$`;

/**
 * One chunk of messages numbered [from, to), each with its delivery and attempts. Message n belongs to
 * application 0 for a third of them, else to one of the other 49; its time is spread evenly over the
 * last 30 days. Of the deliveries 90 % succeeded at once, 8 % at the second attempt and 2 % failed
 * after six, so attempts come to about 1.18 a delivery.
 */
const SEED_CHUNK = `
  WITH t AS (
    SELECT i, (now() - ($3::float8 * (1 - (i - $5::bigint + 0.5) / $4::float8)) * interval '1 day') AS at,
           CASE WHEN i % 3 = 0 THEN 0 ELSE 1 + (i % 49) END AS app,
           CASE WHEN i % 100 < 2 THEN 'failed' WHEN i % 100 < 10 THEN 'retried' ELSE 'first' END AS fate
      FROM generate_series($1::bigint, $2::bigint - 1) AS i
  ), n AS (
    SELECT t.*, pg_temp.bench_id('msg', (extract(epoch FROM t.at) * 1000)::bigint, 'm' || t.i) AS id, a.app_id, a.endpoint_id
      FROM t JOIN bench_apps a ON a.position = t.app
  ), m AS (
    INSERT INTO messages (id, app_id, event_type, event_id, payload, payload_expires_at, channels, created_at)
    SELECT n.id, n.app_id,
           (ARRAY['invoice.paid', 'invoice.created', 'customer.updated', 'customer.created', 'order.shipped', 'order.created', 'payment.failed', 'refund.issued'])[1 + (n.i % 8)],
           CASE WHEN n.i % 4 = 0 THEN 'evt_' || n.i END,
           json_build_object('id', 'obj_' || n.i, 'type', 'invoice', 'amount', n.i % 100000, 'currency', 'eur',
                             'customer', json_build_object('id', 'cus_' || (n.i % 5000), 'email', 'customer' || (n.i % 5000) || '@example.com', 'name', 'Customer ' || (n.i % 5000)),
                             'lines', json_build_array(json_build_object('sku', 'sku_' || (n.i % 300), 'quantity', 1 + n.i % 3, 'price', n.i % 1000)),
                             'created', extract(epoch FROM n.at)::bigint)::text,
           n.at + interval '90 days',
           CASE WHEN n.i % 100 = 7 THEN ARRAY['priority'] WHEN n.i % 5 = 0 THEN ARRAY['billing'] END,
           n.at
      FROM n
  ), d AS (
    INSERT INTO deliveries (id, message_id, endpoint_id, app_id, status, scheduled_attempts, enqueued_at, last_attempt_at, created_at, updated_at)
    SELECT 'dlv_' || substr(n.id, 5), n.id, n.endpoint_id, n.app_id,
           CASE WHEN n.fate = 'failed' THEN 'failed' ELSE 'succeeded' END,
           CASE n.fate WHEN 'failed' THEN 6 WHEN 'retried' THEN 2 ELSE 1 END,
           n.at, n.at + interval '1 second', n.at, n.at + interval '1 second'
      FROM n
    RETURNING id, message_id, endpoint_id, app_id, scheduled_attempts, status, created_at
  )
  INSERT INTO attempts (id, delivery_id, message_id, endpoint_id, app_id, attempt_number, trigger, outcome, url,
                        response_status_code, response_body, response_duration_ms, request_headers, response_headers, next_attempt_at, created_at)
  SELECT pg_temp.bench_id('atmpt', (extract(epoch FROM d.created_at + k * interval '1 second') * 1000)::bigint, d.id || k), d.id, d.message_id, d.endpoint_id, d.app_id,
         k, 'scheduled', CASE WHEN k = d.scheduled_attempts AND d.status = 'succeeded' THEN 'succeeded' ELSE 'failed' END,
         'https://hooks.example.com/webhooks/idem',
         CASE WHEN k = d.scheduled_attempts AND d.status = 'succeeded' THEN 200 ELSE 503 END,
         CASE WHEN k = d.scheduled_attempts AND d.status = 'succeeded' THEN '{"ok":true}' ELSE 'Service Unavailable' END,
         20 + abs(hashtext(d.id || k)) % 400,
         jsonb_build_object('content-type', 'application/json', 'user-agent', 'Idem/0.1', 'webhook-id', d.message_id,
                            'webhook-timestamp', extract(epoch FROM d.created_at)::bigint::text, 'webhook-signature', '[redacted]'),
         jsonb_build_object('content-type', 'application/json', 'date', to_char(d.created_at, 'Dy, DD Mon YYYY HH24:MI:SS "GMT"')),
         CASE WHEN k < d.scheduled_attempts THEN d.created_at + k * interval '5 seconds' END,
         d.created_at + k * interval '1 second'
    FROM d CROSS JOIN LATERAL generate_series(1, d.scheduled_attempts) AS k`;

async function main() {
  const receiver = fork(path.join(__dirname, 'bench', 'receiver.js'), { stdio: 'inherit' });
  children.push(receiver);
  const { port: receiverPort } = await new Promise((resolve) => receiver.once('message', resolve));
  console.log(`Idem at scale: ${targetMessages} messages (growing bounded by ${seedSeconds}s) beside an empty database; ${calls} sequential calls a read route, on ${os.cpus().length} cores`);

  const empty = await measure('empty', 0, receiverPort);
  const grown = await measure('grown', targetMessages, receiverPort);
  const figures = { messages: grown.messages, seedSeconds: grown.seedSeconds, empty: empty.figures, grown: grown.figures, ratios: {}, bytesPerMessageOf: grown.bytesPerMessageOf };
  for (const [name, value] of Object.entries(grown.figures)) {
    const before = empty.figures[name];
    if (typeof value === 'number' && typeof before === 'number' && before > 0 && !name.startsWith('bytes')) figures.ratios[name] = round(value / before, 2);
  }
  figures.bytesPerMessage = grown.figures.bytesPerMessage;
  console.log('\nfigure                          empty      grown      ratio');
  for (const name of Object.keys(grown.figures)) {
    console.log(`${name.padEnd(30)} ${String(empty.figures[name] ?? '').padStart(8)} ${String(grown.figures[name]).padStart(10)} ${String(figures.ratios[name] ?? '').padStart(10)}`);
  }
  console.log(`bytes per message by relation: ${JSON.stringify(grown.bytesPerMessageOf)}`);
  fs.writeFileSync(jsonPath, JSON.stringify({ measuredAt: new Date().toISOString(), cores: os.cpus().length, node: process.version, figures }, null, 2) + '\n');
  console.log(`figures written to ${path.relative(process.cwd(), jsonPath)}`);
}

/** One installation: migrated, grown to `messages`, measured, and stopped. */
async function measure(label, messages, receiverPort) {
  const suffix = randomBytes(4).toString('hex');
  const installation = { postgres, databaseName: `idem_scale_${suffix}`, redisUrl, queuePrefix: `idem_scale_${suffix}` };
  installations.push(installation);
  const port = 20000 + Math.floor(Math.random() * 2000);
  const workerPort = port + 2000;
  const adminToken = `bench_admin_${randomBytes(12).toString('hex')}`;
  const env = {
    ...process.env,
    DATABASE_URL: `${postgres}/${installation.databaseName}`,
    REDIS_URL: redisUrl,
    IDEM_QUEUE_PREFIX: installation.queuePrefix,
    IDEM_ADMIN_TOKEN: adminToken,
    IDEM_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    IDEM_ALLOW_PRIVATE_TARGETS: 'true',
    IDEM_LOG_LEVEL: 'warn',
    IDEM_MESSAGE_RETENTION: `${DAYS}d`,
    IDEM_CLEANUP_INTERVAL: '200ms',
    HOST: '127.0.0.1',
    PORT: String(port),
    IDEM_WORKER_PORT: String(workerPort),
  };
  const admin = new Client({ connectionString: `${postgres}/postgres` });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${installation.databaseName}"`);
  await admin.end();
  if (spawnSync(process.execPath, ['dist/apps/api/main.js', 'migrate'], { cwd: root, env, stdio: 'inherit' }).status !== 0) {
    throw new Error('migration failed: run `npm run build` first');
  }
  const apiProcess = spawn(process.execPath, ['dist/apps/api/main.js'], { cwd: root, env, stdio: ['ignore', 'ignore', 'inherit'] });
  children.push(apiProcess);
  const apiUrl = `http://127.0.0.1:${port}`;
  await waitUntil(async () => (await fetch(`${apiUrl}/api/v1/health`).catch(() => ({ status: 0 }))).status === 204, 30_000, 'the API');
  const headers = { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' };

  // Applications and endpoints through the API (endpoint secrets are encrypted by it); history through SQL.
  const db = new Client({ connectionString: env.DATABASE_URL });
  await db.connect();
  await db.query(`CREATE TABLE bench_apps (position int PRIMARY KEY, app_id varchar(40) NOT NULL UNIQUE, endpoint_id varchar(40) NOT NULL)`);
  const applications = [];
  for (let position = 0; position < APPLICATIONS; position++) {
    const application = await (await fetch(`${apiUrl}/api/v1/app`, { method: 'POST', headers, body: JSON.stringify({ name: `scale-${position}` }) })).json();
    const body = JSON.stringify({ url: `http://127.0.0.1:${receiverPort}/webhook/${position}` });
    const endpoint = await (await fetch(`${apiUrl}/api/v1/app/${application.id}/endpoint`, { method: 'POST', headers, body })).json();
    await db.query(`INSERT INTO bench_apps VALUES ($1, $2, $3)`, [position, application.id, endpoint.id]);
    applications.push({ id: application.id, endpointId: endpoint.id });
  }
  await db.query(ID_FUNCTION);
  // The empty installation still holds one message an application, so reads by id and pages have something to return.
  const total = Math.max(messages, APPLICATIONS * 3);
  const seedStart = performance.now();
  let seeded = 0;
  while (seeded < total && (performance.now() - seedStart) / 1000 < seedSeconds) {
    const to = Math.min(total, seeded + CHUNK);
    await db.query(SEED_CHUNK, [seeded, to, DAYS, total, 0]);
    seeded = to;
    if (messages > 0) process.stdout.write(`\r${label}: ${seeded} messages in ${round((performance.now() - seedStart) / 1000)}s`);
  }
  if (messages > 0) process.stdout.write('\n');
  const seedSecondsTaken = round((performance.now() - seedStart) / 1000);
  await db.query('VACUUM ANALYZE');

  const figures = {};
  const big = applications[0];
  const [{ id: someMessage }] = (await db.query(`SELECT id FROM messages WHERE app_id = $1 ORDER BY created_at DESC OFFSET 10 LIMIT 1`, [big.id])).rows;
  const api = new Pool(apiUrl, { connections: concurrency });
  const get = async (route) => {
    const started = performance.now();
    const response = await api.request({ path: route, method: 'GET', headers });
    await response.body.dump();
    if (response.statusCode !== 200) throw new Error(`GET ${route} answered ${response.statusCode}`);
    return performance.now() - started;
  };
  const reads = {
    endpointStatsP50Ms: `/api/v1/app/${big.id}/endpoint/${big.endpointId}/stats`,
    msgListNeverSentTypeP50Ms: `/api/v1/app/${big.id}/msg?event_types=never.sent&limit=50`,
    msgListByChannelP50Ms: `/api/v1/app/${big.id}/msg?channel=priority&limit=50`,
    msgListP50Ms: `/api/v1/app/${big.id}/msg?limit=50`,
    attemptListByEndpointP50Ms: `/api/v1/app/${big.id}/attempt/endpoint/${big.endpointId}?limit=50`,
    msgByIdP50Ms: `/api/v1/app/${big.id}/msg/${someMessage}`,
  };
  for (const [name, route] of Object.entries(reads)) {
    for (let i = 0; i < 10; i++) await get(route);
    const latencies = [];
    for (let i = 0; i < calls; i++) latencies.push(await get(route));
    figures[name] = round(percentile(latencies, 50), 2);
  }

  {
    const latencies = [];
    const deadline = performance.now() + createSeconds * 1000;
    let n = 0;
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const started = performance.now();
        const body = JSON.stringify({ eventType: 'invoice.paid', payload: { n: ++n, sentAt: Date.now() } });
        const response = await api.request({ path: `/api/v1/app/${big.id}/msg`, method: 'POST', headers, body });
        await response.body.dump();
        if (response.statusCode !== 202) throw new Error(`create answered ${response.statusCode}`);
        latencies.push(performance.now() - started);
      }
    }));
    figures.singleCreatePerSecond = round(latencies.length / createSeconds);
    figures.singleCreateP50Ms = round(percentile(latencies, 50), 2);
  }
  await api.close();

  {
    // One retention cycle: messages just past the window, with their deliveries and attempts, gone by the worker's cleanup.
    const workerProcess = spawn(process.execPath, ['dist/apps/worker/main.js'], { cwd: root, env, stdio: ['ignore', 'ignore', 'inherit'] });
    children.push(workerProcess);
    await waitUntil(async () => (await fetch(`http://127.0.0.1:${workerPort}/health`).catch(() => ({ status: 0 }))).status === 200, 30_000, 'the worker');
    await sleep(1000);
    const expiredCount = async () => Number((await db.query(`SELECT count(*) FROM messages WHERE created_at < now() - interval '${DAYS} days'`)).rows[0].count);
    await waitUntil(async () => (await expiredCount()) === 0, 600_000, 'the cleanup of what growing left past the window');
    const base = 1_000_000_000 + seeded;
    await db.query(SEED_CHUNK.replace(/now\(\)/, `now() - interval '${DAYS + 1} days'`), [base, base + EXPIRED, 1, EXPIRED, base]);
    const started = performance.now();
    await waitUntil(async () => (await expiredCount()) === 0, 600_000, 'the retention cleanup');
    figures.retentionCycleMs = round(performance.now() - started);
    workerProcess.kill('SIGTERM');
    await new Promise((resolve) => workerProcess.once('exit', resolve));
  }
  apiProcess.kill('SIGTERM');
  await new Promise((resolve) => apiProcess.once('exit', resolve));

  const [{ count }] = (await db.query(`SELECT count(*)::bigint AS count FROM messages`)).rows;
  const sizes = (await db.query(
    `SELECT coalesce(sum(pg_table_size(c.oid)), 0)::bigint AS tables, coalesce(sum(pg_indexes_size(c.oid)), 0)::bigint AS indexes
       FROM pg_class c WHERE c.relkind IN ('r', 'p') AND c.relname = ANY($1)`,
    [TRAFFIC_TABLES],
  )).rows[0];
  figures.bytesPerMessage = round((Number(sizes.tables) + Number(sizes.indexes)) / Number(count), 0);
  figures.indexBytesPerMessage = round(Number(sizes.indexes) / Number(count), 0);
  // Where the bytes are: each traffic table and each of its indexes, per message.
  const relations = (await db.query(
    `SELECT c.relname AS name, pg_table_size(c.oid)::bigint AS bytes FROM pg_class c WHERE c.relname = ANY($1)
     UNION ALL
     SELECT i.indexrelid::regclass::text, pg_relation_size(i.indexrelid)::bigint FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid WHERE c.relname = ANY($1)
     ORDER BY 2 DESC`,
    [TRAFFIC_TABLES],
  )).rows;
  const bytesPerMessageOf = Object.fromEntries(relations.map((relation) => [relation.name, round(Number(relation.bytes) / Number(count), 0)]));
  await db.end();
  return { messages: Number(count), seedSeconds: seedSecondsTaken, figures, bytesPerMessageOf };
}

async function cleanUp() {
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  for (let waited = 0; waited < 10_000 && children.some((child) => child.exitCode === null && child.signalCode === null); waited += 100) await sleep(100);
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  for (const installation of installations) await dropInstallation(installation);
}

main().then(cleanUp, async (error) => {
  console.error(error);
  await cleanUp();
  process.exitCode = 1;
});
