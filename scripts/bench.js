#!/usr/bin/env node
// `npm run bench`: Idem end to end on this machine (API, worker, Postgres, Redis and a receiver),
// beside a baseline measured in the same run: the same number of signed POSTs sent straight to the
// same receiver by one process, with no queue and no database. Figures are comparable only as ratios.
const { fork, spawn, spawnSync } = require('node:child_process');
const { createHmac, randomBytes } = require('node:crypto');
const path = require('node:path');
const { Client } = require('pg');
const IORedis = require('ioredis');
const { Pool } = require('undici');

const root = path.resolve(__dirname, '..');
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const ingestConcurrency = Number(process.env.BENCH_CONCURRENCY ?? 32);
const steadyRate = Number(process.env.BENCH_RATE ?? 200);
const endpointCount = Number(process.env.BENCH_ENDPOINTS ?? 5);
// The svix client sends an Idempotency-Key with every POST; `BENCH_IDEMPOTENCY_KEY=false` measures requests without one.
const withIdempotencyKey = (process.env.BENCH_IDEMPOTENCY_KEY ?? 'true') !== 'false';
const postgres = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const suffix = randomBytes(4).toString('hex');
const databaseName = `idem_bench_${suffix}`;
const queuePrefix = `idem_bench_${suffix}`;
const port = 18000 + Math.floor(Math.random() * 2000);
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
  HOST: '127.0.0.1',
  PORT: String(port),
  // The worker's health and metrics server on a free port, so benches (and a running Idem) do not collide.
  IDEM_WORKER_PORT: '0',
};
const children = [];

function percentile(values, p) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function ask(child, command, key) {
  return new Promise((resolve) => {
    const listener = (message) => {
      if (message && key in message) {
        child.off('message', listener);
        resolve(message);
      }
    };
    child.on('message', listener);
    child.send(command);
  });
}

async function waitUntil(condition, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

async function main() {
  if (spawnSync(process.execPath, ['dist/apps/api/main.js', 'migrate'], { cwd: root, env, stdio: 'ignore' }).status !== 0) {
    throw new Error('migration failed: run `npm run build` first and check DATABASE_URL');
  }
  const receiver = fork(path.join(__dirname, 'bench', 'receiver.js'), { stdio: 'inherit' });
  children.push(receiver);
  const { port: receiverPort } = await new Promise((resolve) => receiver.once('message', resolve));
  const receiverUrl = `http://127.0.0.1:${receiverPort}/webhook`;

  for (const app of ['api', 'worker']) {
    // BENCH_PROFILE_DIR=<dir> writes a CPU profile of each app there (`node --cpu-prof`) when it stops.
    const profile = process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`, `--cpu-prof-name=${app}.cpuprofile`] : [];
    children.push(spawn(process.execPath, [...profile, `dist/apps/${app}/main.js`], { cwd: root, env, stdio: ['ignore', 'ignore', 'inherit'] }));
  }
  const apiUrl = `http://127.0.0.1:${port}`;
  await waitUntil(async () => (await fetch(`${apiUrl}/api/v1/health`).catch(() => ({ status: 0 }))).status === 204, 30_000, 'the API');

  const headers = { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' };
  const application = await (await fetch(`${apiUrl}/api/v1/app`, { method: 'POST', headers, body: JSON.stringify({ name: 'bench' }) })).json();
  const endpoints = [];
  for (let i = 0; i < endpointCount; i++) {
    endpoints.push(
      await (await fetch(`${apiUrl}/api/v1/app/${application.id}/endpoint`, { method: 'POST', headers, body: JSON.stringify({ url: `${receiverUrl}/${i}` }) })).json(),
    );
  }
  const { key: secret } = await (await fetch(`${apiUrl}/api/v1/app/${application.id}/endpoint/${endpoints[0].id}/secret`, { headers })).json();

  const db = new Client({ connectionString: env.DATABASE_URL });
  await db.connect();
  const recordedSuccesses = async () => Number((await db.query(`SELECT count(*) FROM attempts WHERE outcome = 'succeeded'`)).rows[0].count);

  const api = new Pool(apiUrl, { connections: ingestConcurrency });
  let ingestNumber = 0;
  const ingest = async (i) => {
    const started = performance.now();
    const response = await api.request({
      path: `/api/v1/app/${application.id}/msg`,
      method: 'POST',
      headers: withIdempotencyKey ? { ...headers, 'idempotency-key': `bench-${++ingestNumber}` } : headers,
      body: JSON.stringify({ eventType: 'bench.event', payload: { sentAt: Date.now(), i } }),
    });
    await response.body.dump();
    if (response.statusCode !== 202) throw new Error(`ingest answered ${response.statusCode}`);
    return performance.now() - started;
  };

  // 1. Throughput: ingest as fast as the API takes it, then wait for every delivery to be recorded.
  const ingestLatencies = [];
  const throughputStart = performance.now();
  const deadline = throughputStart + seconds * 1000;
  let sent = 0;
  await Promise.all(
    Array.from({ length: ingestConcurrency }, async () => {
      while (performance.now() < deadline) ingestLatencies.push(await ingest(sent++));
    }),
  );
  const ingestSeconds = (performance.now() - throughputStart) / 1000;
  const accepted = ingestLatencies.length;
  const deliveries = accepted * endpointCount;
  await waitUntil(async () => (await recordedSuccesses()) >= deliveries, 300_000, 'every delivery to be recorded');
  const deliverySeconds = (performance.now() - throughputStart) / 1000;
  const throughputReport = await ask(receiver, 'report', 'requests');

  // 2. Latency at a steady rate, far below capacity.
  await ask(receiver, 'reset', 'reset');
  const steadyStart = performance.now();
  const steadyCount = steadyRate * Math.min(seconds, 10);
  const inFlight = [];
  for (let i = 0; i < steadyCount; i++) {
    const due = steadyStart + (i * 1000) / steadyRate;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    inFlight.push(ingest(accepted + i));
  }
  await Promise.all(inFlight);
  await waitUntil(async () => (await recordedSuccesses()) >= deliveries + steadyCount * endpointCount, 120_000, 'the steady-rate deliveries');
  const steadyReport = await ask(receiver, 'report', 'requests');

  // 3. Baseline: the same number of signed POSTs straight to the receiver, one process, no queue, no database.
  await ask(receiver, 'reset', 'reset');
  const workerConcurrency = Number(process.env.IDEM_WORKER_CONCURRENCY ?? 100);
  const direct = new Pool(`http://127.0.0.1:${receiverPort}`, { connections: workerConcurrency });
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  let next = 0;
  const baselineStart = performance.now();
  await Promise.all(
    Array.from({ length: workerConcurrency }, async () => {
      while (next < deliveries) {
        const i = next++;
        const id = `msg_baseline_${i}`;
        const timestamp = Math.floor(Date.now() / 1000);
        const body = JSON.stringify({ i });
        const signature = 'v1,' + createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
        const response = await direct.request({
          path: '/webhook',
          method: 'POST',
          headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signature },
          body,
        });
        await response.body.dump();
      }
    }),
  );
  const baselineSeconds = (performance.now() - baselineStart) / 1000;

  const idemDeliveriesPerSecond = deliveries / deliverySeconds;
  const baselinePerSecond = deliveries / baselineSeconds;
  const fmt = (n) => (Number.isFinite(n) ? n.toFixed(1) : 'n/a');
  console.log(`\nIdem benchmark (${seconds} s ingest, ${ingestConcurrency} concurrent ingest clients, 1 API + 1 worker, ${endpointCount} endpoints per event, ${withIdempotencyKey ? "an Idempotency-Key on every request, as the svix client sends" : "no Idempotency-Key"})`);
  console.log(`ingest:                 ${accepted} messages, ${fmt(accepted / ingestSeconds)} req/s, latency p50 ${fmt(percentile(ingestLatencies, 50))} ms, p99 ${fmt(percentile(ingestLatencies, 99))} ms`);
  console.log(`deliveries end to end:  ${fmt(idemDeliveriesPerSecond)} /s (all ${deliveries} recorded after ${fmt(deliverySeconds)} s; receiver saw ${throughputReport.unique} unique, ${throughputReport.duplicates} duplicates)`);
  console.log(`ingest→receiver under full load: p50 ${fmt(percentile(throughputReport.latencies, 50))} ms, p99 ${fmt(percentile(throughputReport.latencies, 99))} ms`);
  console.log(`ingest→receiver at ${steadyRate} events/s: p50 ${fmt(percentile(steadyReport.latencies, 50))} ms, p99 ${fmt(percentile(steadyReport.latencies, 99))} ms (${steadyCount} events, ${steadyCount * endpointCount} deliveries)`);
  console.log(`baseline (signed POSTs straight to the receiver, no queue, no database): ${fmt(baselinePerSecond)} /s`);
  console.log(`ratio Idem deliveries/s ÷ baseline: ${(idemDeliveriesPerSecond / baselinePerSecond).toFixed(3)}`);

  await api.close();
  await direct.close();
  await db.end();
}

async function cleanUp() {
  for (const child of children) child.kill('SIGTERM');
  // Long enough for a clean stop, which is when a CPU profile is written.
  for (let waited = 0; waited < 10_000 && children.some((child) => child.exitCode === null && child.signalCode === null); waited += 100) await sleep(100);
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  const admin = new Client({ connectionString: `${postgres}/postgres` });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${databaseName}" WITH (FORCE)`);
  await admin.end();
  const redis = new IORedis(redisUrl);
  let cursor = '0';
  do {
    const [nextCursor, keys] = await redis.scan(cursor, 'MATCH', `${queuePrefix}:*`, 'COUNT', 1000);
    cursor = nextCursor;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== '0');
  redis.disconnect();
}

main()
  .then(cleanUp, async (error) => {
    console.error(error);
    await cleanUp();
    process.exitCode = 1;
  });
