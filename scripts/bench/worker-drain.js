#!/usr/bin/env node
// `node scripts/bench/worker-drain.js` (after `npm run build`): the worker alone, draining a backlog.
// A fresh database gets one application with WORKER_BENCH_ENDPOINTS (5) endpoints, created through the
// API so their secrets are sealed as in production, and WORKER_BENCH_MESSAGES (10,000) messages with one
// pending delivery per endpoint, seeded as WORKER_BENCH_SEED says: `api` (batch creates, so the API writes
// and enqueues exactly as in production), `jobs` (rows written straight into Postgres, set-based, and one
// job per attempt under its own id, as the sweeper enqueues) or `sweeper` (rows only, found by the
// sweeper). The API stops, one worker starts, and the figure is deliveries per second from the first
// attempt to the last one recorded, beside a baseline in the same run: as many signed POSTs straight to
// the same receiver from one process. Also printed: Postgres transactions and Redis commands per delivery
// (Redis counts every client's), and CPU microseconds per delivery of the worker (from its first attempt
// on), its Postgres backends, the receiver and the whole Redis server: steadier than rates on a busy
// machine. BENCH_PROFILE_DIR=<dir> writes the worker's CPU profile there (`node --cpu-prof`);
// `node scripts/bench/profile-top.js` sums it up.
const { fork, spawn, spawnSync } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const os = require('node:os');
const path = require('node:path');
const { Client } = require('pg');
const IORedis = require('ioredis');
const { Queue } = require('bullmq');
const { ask, cpuSeconds, dropInstallation, round, signedPostBaseline, sleep, waitUntil } = require('./harness');

const root = path.resolve(__dirname, '..', '..');
const messages = Number(process.env.WORKER_BENCH_MESSAGES ?? 10_000);
const fanOut = Number(process.env.WORKER_BENCH_ENDPOINTS ?? 5);
// api: batch creates through the API, which enqueues as in production; jobs: rows written by SQL and one
// job per attempt under its own id; sweeper: rows written by SQL, never enqueued, left to the sweeper.
const seeding = process.env.WORKER_BENCH_SEED ?? 'api';
if (!['api', 'jobs', 'sweeper'].includes(seeding)) throw new Error('WORKER_BENCH_SEED is api, jobs or sweeper');
const workerConcurrency = Number(process.env.IDEM_WORKER_CONCURRENCY ?? 100);
const postgres = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const suffix = randomBytes(4).toString('hex');
const databaseName = `idem_worker_bench_${suffix}`;
const queuePrefix = `idem_worker_bench_${suffix}`;
const port = 20000 + Math.floor(Math.random() * 2000);
const adminToken = `bench_admin_${randomBytes(12).toString('hex')}`;
const env = {
  ...process.env,
  DATABASE_URL: `${postgres}/${databaseName}`,
  REDIS_URL: redisUrl,
  IDEM_QUEUE_PREFIX: queuePrefix,
  IDEM_ADMIN_TOKEN: adminToken,
  IDEM_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
  IDEM_ALLOW_PRIVATE_TARGETS: 'true',
  IDEM_LOG_LEVEL: 'warn',
  // Short, so the sweeper run finds the unqueued deliveries at once; the default run enqueues them itself.
  IDEM_SWEEP_INTERVAL: seeding === 'sweeper' ? '200ms' : '5s',
  HOST: '127.0.0.1',
  PORT: String(port),
  IDEM_WORKER_PORT: '0',
};
const children = [];

function stop(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

async function main() {
  if (spawnSync(process.execPath, ['dist/apps/api/main.js', 'migrate'], { cwd: root, env, stdio: 'ignore' }).status !== 0) {
    throw new Error('migration failed: run `npm run build` first and check DATABASE_URL');
  }
  const receiver = fork(path.join(__dirname, 'receiver.js'), { stdio: 'inherit' });
  children.push(receiver);
  const { port: receiverPort } = await new Promise((resolve) => receiver.once('message', resolve));
  const receiverUrl = `http://127.0.0.1:${receiverPort}/webhook`;

  // The API only creates the application and its endpoints (sealing their secrets), then stops.
  const api = spawn(process.execPath, ['dist/apps/api/main.js'], { cwd: root, env, stdio: ['ignore', 'ignore', 'inherit'] });
  children.push(api);
  const apiUrl = `http://127.0.0.1:${port}`;
  await waitUntil(async () => (await fetch(`${apiUrl}/api/v1/health`).catch(() => ({ status: 0 }))).status === 204, 30_000, 'the API');
  const headers = { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' };
  const application = await (await fetch(`${apiUrl}/api/v1/app`, { method: 'POST', headers, body: JSON.stringify({ name: 'worker-bench' }) })).json();
  const endpoints = [];
  for (let i = 0; i < fanOut; i++) {
    const body = JSON.stringify({ url: `${receiverUrl}/${i}` });
    endpoints.push(await (await fetch(`${apiUrl}/api/v1/app/${application.id}/endpoint`, { method: 'POST', headers, body })).json());
  }
  const { key: secret } = await (await fetch(`${apiUrl}/api/v1/app/${application.id}/endpoint/${endpoints[0].id}/secret`, { headers })).json();
  const total = messages * fanOut;
  const seedStart = performance.now();
  const db = new Client({ connectionString: env.DATABASE_URL });
  await db.connect();
  if (seeding === 'api') {
    // Batch creates: the API writes the messages and deliveries and enqueues their first attempts itself.
    let sent = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (sent < messages) {
          const size = Math.min(100, messages - sent);
          sent += size;
          const batch = Array.from({ length: size }, (_, i) => ({ eventType: 'bench.event', payload: { n: sent - size + i, text: 'x'.repeat(100) } }));
          const response = await fetch(`${apiUrl}/api/v1/app/${application.id}/msg/batch`, { method: 'POST', headers, body: JSON.stringify({ messages: batch }) });
          if (response.status !== 202) throw new Error(`batch create answered ${response.status}`);
        }
      }),
    );
  }
  await stop(api);
  if (seeding !== 'api') {
    // Ids shaped like the app's (prefix and 26 characters), sorting in creation order as ULIDs do.
    await db.query(
      `INSERT INTO messages (id, app_id, event_type, payload)
       SELECT 'msg_' || lpad(i::text, 26, '0'), $1, 'bench.event', json_build_object('n', i, 'text', repeat('x', 100))::text
         FROM generate_series(1, $2) AS i`,
      [application.id, messages],
    );
    await db.query(
      `INSERT INTO deliveries (id, message_id, endpoint_id, app_id, status, scheduled_attempts, next_attempt_at, enqueued_at)
       SELECT 'dlv_' || lpad((i * $4 + e.n)::text, 26, '0'), 'msg_' || lpad(i::text, 26, '0'), e.id, $1, 'pending', 0, now(),
              ${seeding === 'sweeper' ? 'NULL' : 'now()'}
         FROM generate_series(1, $2) AS i, unnest($3::varchar[]) WITH ORDINALITY AS e(id, n)
        ORDER BY i, e.n`,
      [application.id, messages, endpoints.map((endpoint) => endpoint.id), fanOut],
    );
  }
  if (seeding === 'jobs') {
    // One job per attempt, under the attempt's id (`<delivery>-<attempt>`), as the sweeper enqueues them.
    const redis = new IORedis(redisUrl, { maxRetriesPerRequest: null });
    const queue = new Queue('deliveries', {
      connection: redis,
      prefix: queuePrefix,
      defaultJobOptions: { removeOnComplete: true, removeOnFail: true, attempts: 3, backoff: { type: 'exponential', delay: 1000 } },
    });
    const { rows } = await db.query(`SELECT id FROM deliveries ORDER BY id`);
    for (let start = 0; start < rows.length; start += 1000) {
      await queue.addBulk(
        rows.slice(start, start + 1000).map(({ id }) => ({ name: 'deliver', data: { deliveryId: id, attemptNumber: 1 }, opts: { jobId: `${id}-1`, delay: 0 } })),
      );
    }
    await queue.close();
    redis.disconnect();
  }
  await db.query('ANALYZE messages; ANALYZE deliveries');
  console.log(`seeded (${seeding}) ${messages} messages x ${fanOut} endpoints = ${total} deliveries in ${round((performance.now() - seedStart) / 1000)} s`);

  const profile = process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`, `--cpu-prof-name=worker-drain.cpuprofile`] : [];
  const statsBefore = await roundTrips(db);
  const cpuBefore = { receiver: cpuSeconds([receiver.pid]), redis: await redisCpuSeconds() };
  const startedAt = performance.now();
  const worker = spawn(process.execPath, [...profile, 'dist/apps/worker/main.js'], { cwd: root, env, stdio: ['ignore', 'ignore', 'inherit'] });
  children.push(worker);
  const recorded = async () => Number((await db.query(`SELECT count(*) FROM attempts`)).rows[0].count);
  // The worker's own CPU is counted from its first attempt: starting Nest is not a delivery's cost.
  await waitUntil(async () => (await recorded()) > 0, 60_000, 'the first attempt');
  cpuBefore.worker = cpuSeconds([worker.pid]);
  await waitUntil(async () => (await recorded()) >= total, 600_000, 'every delivery to be recorded');
  const wallSeconds = (performance.now() - startedAt) / 1000;
  // Postgres serves each connection from its own process: the worker's, read before it disconnects.
  const { rows: backends } = await db.query(`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`);
  const cpuAfter = { worker: cpuSeconds([worker.pid]), postgres: cpuSeconds(backends.map((row) => row.pid)), receiver: cpuSeconds([receiver.pid]), redis: await redisCpuSeconds() };
  await stop(worker);
  const statsAfter = await roundTrips(db);

  const { rows: [span] } = await db.query(
    `SELECT count(*)::int AS attempts, count(*) FILTER (WHERE outcome = 'succeeded')::int AS succeeded,
            extract(epoch FROM max(created_at) - min(created_at))::float8 AS seconds FROM attempts`,
  );
  const { rows: [unfinished] } = await db.query(`SELECT count(*)::int AS n FROM deliveries WHERE status <> 'succeeded'`);
  const { duplicates } = await ask(receiver, 'report', 'requests');
  const deliveriesPerSecond = span.attempts / span.seconds;

  // Baseline: as many signed POSTs, straight to the receiver, one process, no queue, no database.
  await ask(receiver, 'reset', 'reset');
  const baselinePerSecond = await signedPostBaseline({
    receiverPort,
    secret,
    total,
    concurrency: workerConcurrency,
    pathOf: (i) => `/webhook/${i % fanOut}`,
    bodyOf: (i) => JSON.stringify({ n: i, text: 'x'.repeat(100) }),
  });
  await db.end();

  console.log(`Idem worker drain: 1 worker (concurrency ${workerConcurrency}) on ${os.cpus().length} cores, seeded by ${seeding}`);
  console.log(
    JSON.stringify({
      deliveries: span.attempts,
      succeeded: span.succeeded,
      notSucceeded: unfinished.n,
      duplicatesAtReceiver: duplicates,
      deliveriesPerSecond: round(deliveriesPerSecond),
      wallSecondsFromWorkerStart: round(wallSeconds, 2),
      baselineSignedPostsPerSecond: round(baselinePerSecond),
      ratio: round(deliveriesPerSecond / baselinePerSecond, 3),
      postgresTransactionsPerDelivery: round((statsAfter.transactions - statsBefore.transactions) / total, 3),
      redisCommandsPerDelivery: round((statsAfter.redisCommands - statsBefore.redisCommands) / total, 2),
      cpuMicrosecondsPerDelivery: Object.fromEntries(Object.entries(cpuAfter).map(([name, seconds]) => [name, Math.round(((seconds - (cpuBefore[name] ?? 0)) * 1e6) / total)])),
    }),
  );
}

/**
 * Transactions committed in the bench's database (statements outside a transaction count one each) and
 * commands Redis processed (every client's: other users of the same Redis add to it), for the cost per delivery.
 */
async function roundTrips(db) {
  const { rows: [row] } = await db.query(`SELECT pg_stat_force_next_flush(); SELECT xact_commit + xact_rollback AS n FROM pg_stat_database WHERE datname = current_database()`).then((results) => results[1]);
  const redis = new IORedis(redisUrl);
  const info = await redis.info('stats');
  redis.disconnect();
  return { transactions: Number(row.n), redisCommands: Number(/total_commands_processed:(\d+)/.exec(info)[1]) };
}

/** CPU seconds of the whole Redis server, every client's work included. */
async function redisCpuSeconds() {
  const redis = new IORedis(redisUrl);
  const info = await redis.info('cpu');
  redis.disconnect();
  return Number(/used_cpu_sys:([\d.]+)/.exec(info)[1]) + Number(/used_cpu_user:([\d.]+)/.exec(info)[1]);
}

async function cleanUp() {
  await Promise.all(children.map(stop));
  await dropInstallation({ postgres, databaseName, redisUrl, queuePrefix });
}

main().then(cleanUp, async (error) => {
  console.error(error);
  await cleanUp();
  process.exitCode = 1;
});
