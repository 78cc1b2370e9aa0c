#!/usr/bin/env node
// `npm run bench`: Idem end to end on this machine (API, worker, Postgres, Redis and a receiver),
// beside a baseline measured in the same run: signed POSTs sent straight to the same receiver by one
// process, with no queue and no database. Figures are comparable only as ratios. The figures are also
// written as JSON (BENCH_JSON, default bench-results.json); `node scripts/bench/readme-table.js` turns
// that file into the README's table. BENCH_SCENARIOS=coalescing,lanes (comma-separated, from: single,
// batch, deliveries, paced, redisFlush, baseline, coalescing, lanes) runs only those, e.g. for a quick look.
const { fork, spawn, spawnSync } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Client } = require('pg');
const IORedis = require('ioredis');
const { Queue } = require('bullmq');
const { Pool } = require('undici');
const { ask, cpuMeter, deletePrefix, dropInstallation, percentile, round, signedPostBaseline, sleep, waitUntil } = require('./bench/harness');

const root = path.resolve(__dirname, '..');
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 32);
const pacedRate = Number(process.env.BENCH_RATE ?? 1000);
const batchSize = Number(process.env.BENCH_BATCH_SIZE ?? 100);
const batchClients = Number(process.env.BENCH_BATCH_CLIENTS ?? 4);
const fanOut = Number(process.env.BENCH_ENDPOINTS ?? 5);
const deliveryEvents = Number(process.env.BENCH_DELIVERY_EVENTS ?? 6000);
const laneEntities = Number(process.env.BENCH_LANE_ENTITIES ?? 1000);
const laneVersions = Number(process.env.BENCH_LANE_VERSIONS ?? 3);
const scenarios = new Set((process.env.BENCH_SCENARIOS ?? 'single,batch,deliveries,paced,redisFlush,baseline,coalescing,lanes').split(',').map((name) => name.trim()));
const runs = (scenario) => scenarios.has(scenario);
const jsonPath = path.resolve(root, process.env.BENCH_JSON ?? 'bench-results.json');
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
  const worker = children[children.length - 1];
  const apiUrl = `http://127.0.0.1:${port}`;
  await waitUntil(async () => (await fetch(`${apiUrl}/api/v1/health`).catch(() => ({ status: 0 }))).status === 204, 30_000, 'the API');

  const headers = { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' };
  const createApplication = async (name, endpointCount) => {
    const application = await (await fetch(`${apiUrl}/api/v1/app`, { method: 'POST', headers, body: JSON.stringify({ name }) })).json();
    const endpoints = [];
    for (let i = 0; i < endpointCount; i++) {
      const body = JSON.stringify({ url: `${receiverUrl}/${name}/${i}` });
      endpoints.push(await (await fetch(`${apiUrl}/api/v1/app/${application.id}/endpoint`, { method: 'POST', headers, body })).json());
    }
    return { id: application.id, endpoints };
  };
  const single = await createApplication('one-endpoint', 1);
  const wide = await createApplication('fan-out', fanOut);
  const { key: secret } = await (await fetch(`${apiUrl}/api/v1/app/${single.id}/endpoint/${single.endpoints[0].id}/secret`, { headers })).json();

  const db = new Client({ connectionString: env.DATABASE_URL });
  await db.connect();
  const redisInfo = new IORedis(redisUrl);
  const redisPid = Number(/process_id:(\d+)/.exec(await redisInfo.info('server'))?.[1]);
  redisInfo.disconnect();
  // CPU per event of each part of Idem: the API, the worker, this database's Postgres backends, and Redis (shared with anything else using it).
  const cpu = () =>
    cpuMeter(async () => ({
      api: [children[1].pid],
      worker: [worker.pid],
      postgres: (await db.query('SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [databaseName])).rows.map((row) => row.pid),
      redis: Number.isFinite(redisPid) ? [redisPid] : [],
    }));
  // From the hourly counters the attempts' trigger keeps in the same transaction: counting the attempts table itself, four times a second, took most of a core once it held a few hundred thousand rows.
  const recordedSuccesses = async () => Number((await db.query(`SELECT COALESCE(sum(count), 0) AS count FROM endpoint_attempt_counts WHERE outcome = 'succeeded'`)).rows[0].count);
  let expectedSuccesses = 0;
  const drain = async (timeoutMs = 300_000) => {
    // A minute without a single delivery recorded is a stall, not a slow drain: it is reported at once.
    let last = -1;
    let lastMovedAt = Date.now();
    try {
      await waitUntil(async () => {
        const recorded = await recordedSuccesses();
        if (recorded !== last) [last, lastMovedAt] = [recorded, Date.now()];
        else if (Date.now() - lastMovedAt > 60_000) throw new Error(`deliveries stalled: none recorded for a minute, ${recorded} of ${expectedSuccesses}`);
        return recorded >= expectedSuccesses;
      }, timeoutMs, 'every delivery to be recorded', 250);
    } catch (error) {
      await reportUndelivered().catch((reportError) => console.error('could not report what was left:', reportError));
      throw error;
    }
  };
  /** What a drain that timed out left: the deliveries not yet succeeded by status, the oldest of them, and the queue's jobs. */
  const reportUndelivered = async () => {
    const statuses = (await db.query(`SELECT status, count(*)::int AS count, min(next_attempt_at) AS due, min(enqueued_at) AS enqueued FROM deliveries WHERE status <> 'succeeded' GROUP BY status`)).rows;
    const oldest = (await db.query(`SELECT id, status, scheduled_attempts, next_attempt_at, enqueued_at, lease_expires_at FROM deliveries WHERE status <> 'succeeded' ORDER BY next_attempt_at LIMIT 5`)).rows;
    const queue = new Queue('deliveries', { connection: new IORedis(redisUrl, { maxRetriesPerRequest: null }), prefix: queuePrefix });
    const jobs = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'completed', 'failed');
    await queue.close();
    const connections = (await db.query(`SELECT application_name, state, wait_event_type, wait_event, left(query, 80) AS query, count(*)::int AS count FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() GROUP BY 1, 2, 3, 4, 5 ORDER BY count DESC`, [databaseName])).rows;
    console.error(`expected ${expectedSuccesses} successes, recorded ${await recordedSuccesses()}`, JSON.stringify({ statuses, oldest, jobs, connections }, null, 1));
  };

  const api = new Pool(apiUrl, { connections: concurrency });
  let sequence = 0;
  const createOne = async (app, withKey) => {
    const started = performance.now();
    const n = ++sequence;
    const response = await api.request({
      path: `/api/v1/app/${app.id}/msg`,
      method: 'POST',
      headers: withKey ? { ...headers, 'idempotency-key': `bench-${n}` } : headers,
      body: JSON.stringify({ eventType: 'bench.event', payload: { sentAt: Date.now(), n } }),
    });
    await response.body.dump();
    if (response.statusCode !== 202) throw new Error(`create answered ${response.statusCode}`);
    expectedSuccesses += app.endpoints.length;
    return performance.now() - started;
  };
  const createBatch = async (app, size, eventType = 'bench.batch') => {
    const messages = Array.from({ length: size }, () => ({ eventType, payload: { sentAt: Date.now(), n: ++sequence, customer: { id: `cus_${sequence}`, email: 'bench@example.com' } } }));
    const response = await api.request({ path: `/api/v1/app/${app.id}/msg/batch`, method: 'POST', headers, body: JSON.stringify({ messages }) });
    const body = await response.body.json();
    if (response.statusCode !== 202 || body.data.some((item) => item.status !== 202)) throw new Error(`batch create answered ${response.statusCode}`);
    expectedSuccesses += size * app.endpoints.length;
    return size;
  };

  /** As many single creates as `concurrency` clients manage in `seconds`. */
  const singleCreates = async (withKey) => {
    const latencies = [];
    const meter = cpu();
    await meter.start();
    const start = performance.now();
    const deadline = start + seconds * 1000;
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) latencies.push(await createOne(single, withKey));
    }));
    const elapsed = (performance.now() - start) / 1000;
    const cpuMsPerEvent = await meter.msPer(latencies.length);
    await drain();
    return { events: latencies.length, eventsPerSecond: round(latencies.length / elapsed), p50Ms: round(percentile(latencies, 50)), p99Ms: round(percentile(latencies, 99)), cpuMsPerEvent };
  };

  /** `events` messages through batch creates of `batchSize`, from `batchClients` clients; resolves with the seconds it took. */
  const batchIngest = async (app, events) => {
    let remaining = events;
    const start = performance.now();
    await Promise.all(Array.from({ length: batchClients }, async () => {
      while (remaining > 0) {
        const size = Math.min(batchSize, remaining);
        remaining -= size;
        await createBatch(app, size);
      }
    }));
    return (performance.now() - start) / 1000;
  };

  /** Deliveries per second from the first batch create of `events` events until every attempt is recorded. */
  const endToEnd = async (app, events) => {
    const meter = cpu();
    await meter.start();
    const start = performance.now();
    await batchIngest(app, events);
    await drain();
    const deliveries = events * app.endpoints.length;
    const elapsed = (performance.now() - start) / 1000;
    return { endpointsPerEvent: app.endpoints.length, deliveries, deliveriesPerSecond: round(deliveries / elapsed), cpuMsPerDelivery: await meter.msPer(deliveries) };
  };

  const figures = {};
  const log = (name, figure) => {
    figures[name] = figure;
    console.log(`${name.padEnd(30)} ${JSON.stringify(figure)}`);
  };
  console.log(`Idem benchmark: 1 API + 1 worker on ${os.cpus().length} cores; ${concurrency} clients for single creates, ${batchClients} for batches of ${batchSize}`);

  if (runs('single')) {
    log('singleCreateWithoutKey', await singleCreates(false));
    log('singleCreateWithKey', await singleCreates(true));
  }

  /** Batch creates of `eventType` for `seconds` from `batchClients` clients: events/s accepted and enqueued. */
  const batchCreates = async (eventType, beforeDrain = () => {}) => {
    const meter = cpu();
    await meter.start();
    const start = performance.now();
    const deadline = start + seconds * 1000;
    let events = 0;
    await Promise.all(Array.from({ length: batchClients }, async () => {
      while (performance.now() < deadline) {
        // Not `events += await …`: that reads `events` before the await and drops the other clients' batches.
        const accepted = await createBatch(single, batchSize, eventType);
        events += accepted;
      }
    }));
    const elapsed = (performance.now() - start) / 1000;
    const cpuMsPerEvent = await meter.msPer(events);
    beforeDrain();
    await drain();
    return { events, batchSize, eventsPerSecond: round(events / elapsed), cpuMsPerEvent };
  };
  if (runs('batch')) {
    const plainBatches = await batchCreates('bench.batch');
    log('batchCreate', plainBatches);
    // The intake's own capacity: the worker is stopped (SIGSTOP) while the batches are accepted and enqueued, then let go to drain them.
    worker.kill('SIGSTOP');
    log('batchCreateWorkerStopped', await batchCreates('bench.batch', () => worker.kill('SIGCONT')));
    // The same with an enforced JSON Schema on the event type: what validating each payload costs.
    const schema = { type: 'object', required: ['sentAt', 'n', 'customer'], properties: { sentAt: { type: 'integer' }, n: { type: 'integer' }, customer: { type: 'object', required: ['id', 'email'], properties: { id: { type: 'string', pattern: '^cus_' }, email: { type: 'string', format: 'email' } } } } };
    await fetch(`${apiUrl}/api/v1/event-type`, { method: 'POST', headers, body: JSON.stringify({ name: 'bench.schema', description: 'bench', schemas: { 1: schema }, schemaEnforcement: 'enforce' }) });
    const schemaBatches = await batchCreates('bench.schema');
    log('batchCreateWithSchema', { ...schemaBatches, ratioToPlain: round(schemaBatches.eventsPerSecond / plainBatches.eventsPerSecond, 3) });
  }

  let wideRun;
  if (runs('deliveries')) {
    log('deliveriesOneEndpoint', await endToEnd(single, deliveryEvents));
    wideRun = await endToEnd(wide, Math.ceil(deliveryEvents / fanOut));
    log('deliveriesFanOut', wideRun);
  }

  if (runs('paced')) {
    await ask(receiver, 'reset', 'reset');
    const count = pacedRate * Math.min(seconds, 10);
    const start = performance.now();
    const inFlight = [];
    for (let i = 0; i < count; i++) {
      const wait = start + (i * 1000) / pacedRate - performance.now();
      if (wait > 0) await sleep(wait);
      inFlight.push(createOne(single, true));
    }
    const ingest = await Promise.all(inFlight);
    await drain();
    const { latencies, duplicates } = await ask(receiver, 'report', 'requests');
    log('paced', { eventsPerSecond: pacedRate, events: count, ingestP99Ms: round(percentile(ingest, 99)), sentToReceiverP50Ms: round(percentile(latencies, 50)), sentToReceiverP99Ms: round(percentile(latencies, 99)), duplicates });
  }

  if (runs('redisFlush')) {
    // A backlog in flight, then every key of this installation's queue gone, as after FLUSHALL or an empty restart.
    const events = Math.ceil(deliveryEvents / fanOut);
    const before = await recordedSuccesses();
    const ingested = batchIngest(wide, events);
    await waitUntil(async () => (await recordedSuccesses()) - before >= (events * fanOut) / 5, 120_000, 'the backlog to start draining');
    await ingested;
    const redis = new IORedis(redisUrl);
    await deletePrefix(redis, queuePrefix);
    redis.disconnect();
    const flushedAt = performance.now();
    const outstanding = expectedSuccesses - (await recordedSuccesses());
    await drain(180_000);
    log('redisFlush', { outstandingAtFlush: outstanding, secondsUntilAllDelivered: round((performance.now() - flushedAt) / 1000) });
  }

  if (runs('baseline') && wideRun) {
    // Baseline: as many signed POSTs as the fan-out run delivered, straight to the receiver, one process, no queue, no database.
    await ask(receiver, 'reset', 'reset');
    const workerConcurrency = Number(process.env.IDEM_WORKER_CONCURRENCY ?? 100);
    const baselinePerSecond = round(await signedPostBaseline({ receiverPort, secret, total: wideRun.deliveries, concurrency: workerConcurrency }));
    log('baseline', { signedPostsPerSecond: baselinePerSecond, ratioFanOutDeliveries: round(wideRun.deliveriesPerSecond / baselinePerSecond, 3) });
  }

  /** When the endpoint's deliveries are all done: none waiting, being sent or held in a lane. */
  const endpointDrained = (endpointId) =>
    waitUntil(async () => Number((await db.query(`SELECT count(*) FROM deliveries WHERE endpoint_id = $1 AND status IN ('pending', 'sending', 'queued')`, [endpointId])).rows[0].count) === 0, 300_000, 'the endpoint to drain');
  const createEventType = (name, retrySafety) => fetch(`${apiUrl}/api/v1/event-type`, { method: 'POST', headers, body: JSON.stringify({ name, description: 'bench', retrySafety }) });
  /** `rounds` batch creates of `entities` messages each, one version of every entity per round, from `batchClients` clients. */
  const entityRounds = async (app, eventType, entities, rounds) => {
    for (let version = 1; version <= rounds; version++) {
      let next = 0;
      await Promise.all(Array.from({ length: batchClients }, async () => {
        while (next < entities) {
          const from = next;
          next = Math.min(entities, next + batchSize);
          const messages = Array.from({ length: next - from }, (_, i) => ({ eventType, payload: { account: `acct_${from + i}`, version, sentAt: Date.now() } }));
          const response = await api.request({ path: `/api/v1/app/${app.id}/msg/batch`, method: 'POST', headers, body: JSON.stringify({ messages }) });
          await response.body.dump();
          if (response.statusCode !== 202) throw new Error(`batch create answered ${response.statusCode}`);
        }
      }));
    }
  };

  /**
   * Coalescing: states of `laneEntities` entities, `laneVersions * 3` versions each, accepted while the endpoint
   * is down (its URL refuses connections), then the endpoint back and recovered: messages accepted against
   * requests received.
   */
  async function coalescedBacklog() {
    await createEventType('bench.state', { semantics: 'state', entity: 'account', entityIdPath: '/account', versionPath: '/version' });
    const app = await createApplication('coalescing', 1);
    const endpoint = app.endpoints[0];
    const update = (url) => fetch(`${apiUrl}/api/v1/app/${app.id}/endpoint/${endpoint.id}`, { method: 'PUT', headers, body: JSON.stringify({ url }) });
    await update('http://127.0.0.1:1/down');
    const versions = laneVersions * 3;
    await entityRounds(app, 'bench.state', laneEntities, versions);
    await ask(receiver, 'reset', 'reset');
    const backAt = performance.now();
    await update(`${receiverUrl}/coalescing/0`);
    // Attempts made while it was down wait for their retry (minutes, on Svix's schedule): as a Svix user would, recover the endpoint.
    const recovered = await fetch(`${apiUrl}/api/v1/app/${app.id}/endpoint/${endpoint.id}/recover`, { method: 'POST', headers, body: JSON.stringify({ since: new Date(Date.now() - 3_600_000).toISOString() }) });
    if (recovered.status !== 202) throw new Error(`recover answered ${recovered.status}`);
    await endpointDrained(endpoint.id);
    const { requests } = await ask(receiver, 'report', 'requests');
    const accepted = laneEntities * versions;
    return { entities: laneEntities, messagesAccepted: accepted, requestsReceived: requests, deliveriesSaved: round(1 - requests / accepted, 3), secondsToDrainAfterBack: round((performance.now() - backAt) / 1000) };
  }

  /** Deliveries per second of `laneEntities` entities x `laneVersions` changes, ordered per entity and not, in the same run. */
  async function laneThroughput() {
    const run = async (name, ordering) => {
      await createEventType(`bench.${name}`, { semantics: 'delta', entity: 'account', entityIdPath: '/account', versionPath: '/version', ordering });
      const app = await createApplication(name, 1);
      const start = performance.now();
      await entityRounds(app, `bench.${name}`, laneEntities, laneVersions);
      await endpointDrained(app.endpoints[0].id);
      return round((laneEntities * laneVersions) / ((performance.now() - start) / 1000));
    };
    // Each twice, in the order A B B A, so that neither gains from running on a warmer (or fuller) database.
    const unordered1 = await run('unordered1', 'none');
    const ordered1 = await run('ordered1', 'entity');
    const ordered = round((ordered1 + (await run('ordered2', 'entity'))) / 2);
    const unordered = round((unordered1 + (await run('unordered2', 'none'))) / 2);
    return { entities: laneEntities, messagesPerEntity: laneVersions, unorderedDeliveriesPerSecond: unordered, orderedDeliveriesPerSecond: ordered, ratioOrderedToUnordered: round(ordered / unordered, 3) };
  }

  if (runs('coalescing')) log('coalescedBacklog', await coalescedBacklog());
  if (runs('lanes')) log('lanes', await laneThroughput());

  const { duplicates } = await ask(receiver, 'report', 'requests');
  fs.writeFileSync(jsonPath, JSON.stringify({ measuredAt: new Date().toISOString(), cores: os.cpus().length, node: process.version, figures }, null, 2) + '\n');
  console.log(`figures written to ${path.relative(process.cwd(), jsonPath)}; receiver saw ${duplicates} duplicates since the last reset`);
  await api.close();
  await db.end();
}

async function cleanUp() {
  for (const child of children) child.kill('SIGTERM');
  // Long enough for a clean stop, which is when a CPU profile is written.
  for (let waited = 0; waited < 10_000 && children.some((child) => child.exitCode === null && child.signalCode === null); waited += 100) await sleep(100);
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await dropInstallation({ postgres, databaseName, redisUrl, queuePrefix });
}

main().then(cleanUp, async (error) => {
  console.error(error);
  await cleanUp();
  process.exitCode = 1;
});
