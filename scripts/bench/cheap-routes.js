#!/usr/bin/env node
// `node scripts/bench/cheap-routes.js [<dir>[@<log level>[@<rate limit>]] ...]`: what the API costs per
// request where the work is small: `GET /api/v1/health`, `GET /api/v1/event-type` with the admin token
// and with an API token, and single message creates (API token, an application with one endpoint, no
// worker: the deliveries wait in the queue) without and with an `Idempotency-Key`. Each <dir> holds a build (`dist/`, from `npm run build`; default: this
// checkout). Every build runs at once, each on its own database, and the load alternates between them
// in short slices, so that whatever else the machine does weighs on all of them alike. Prints req/s and
// the API's main-thread CPU time per request (its minimum over slices is the least disturbed figure).
// Loopback only; stops by itself. CHEAP_ROUNDS (10), CHEAP_SLICE_MS (600), CHEAP_CONNECTIONS (16),
// CHEAP_PROFILE_DIR=<dir> writes a CPU profile of each API there (see profile-top.js), CHEAP_ROUTES=<regex>
// measures only the routes whose name matches.
const { spawn, spawnSync } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { Pool } = require('undici');
const { dropInstallation, sleep } = require('./harness');

const root = path.resolve(__dirname, '../..');
const builds = process.argv.slice(2).length ? process.argv.slice(2) : [root];
const rounds = Number(process.env.CHEAP_ROUNDS ?? 10);
const sliceMs = Number(process.env.CHEAP_SLICE_MS ?? 600);
const connections = Number(process.env.CHEAP_CONNECTIONS ?? 16);
const profileDir = process.env.CHEAP_PROFILE_DIR;
const postgres = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
/** CPU time of the process's main thread, where requests are handled, in ns. */
const mainThreadNs = (pid) => Number(fs.readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]);

async function start(spec, index) {
  const [dir, logLevel, rateLimit] = spec.split('@');
  const label = `${index + 1}:${path.basename(path.resolve(dir))}${logLevel ? `@${logLevel}` : ''}${rateLimit ? `@${rateLimit}` : ''}`;
  const suffix = randomBytes(4).toString('hex');
  const adminToken = `bench_admin_${randomBytes(12).toString('hex')}`;
  const port = 18000 + Math.floor(Math.random() * 2000);
  const api = { label, databaseName: `idem_cheap_${suffix}`, queuePrefix: `idem_cheap_${suffix}`, stats: {} };
  const env = {
    ...process.env,
    DATABASE_URL: `${postgres}/${api.databaseName}`,
    REDIS_URL: redisUrl,
    IDEM_QUEUE_PREFIX: api.queuePrefix,
    IDEM_ADMIN_TOKEN: adminToken,
    IDEM_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    IDEM_LOG_LEVEL: logLevel || 'warn',
    // High enough never to refuse, so that the limiter's cost is measured and not its 429s.
    IDEM_API_RATE_LIMIT: rateLimit ?? '1000000',
    HOST: '127.0.0.1',
    PORT: String(port),
  };
  const main = path.join(dir, 'dist/apps/api/main.js');
  if (spawnSync(process.execPath, [main, 'migrate'], { env, stdio: 'ignore' }).status !== 0) throw new Error(`${label}: migration failed; is ${main} built?`);
  const profile = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=${label.replace(/[^\w@.-]/g, '_')}.cpuprofile`] : [];
  api.child = spawn(process.execPath, [...profile, main], { cwd: dir, env, stdio: ['ignore', 'ignore', 'inherit'] });
  const url = `http://127.0.0.1:${port}`;
  for (let waited = 0; !(await fetch(`${url}/api/v1/health`).then((r) => r.status === 204, () => false)); waited += 50) {
    if (waited > 30_000) throw new Error(`${label}: the API did not start`);
    await sleep(50);
  }
  const admin = { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' };
  const { token } = await (await fetch(`${url}/api/v1/auth/token`, { method: 'POST', headers: admin, body: JSON.stringify({ name: 'cheap-routes' }) })).json();
  await fetch(`${url}/api/v1/event-type`, { method: 'POST', headers: admin, body: JSON.stringify({ name: 'cheap.event', description: 'x' }) });
  const app = await (await fetch(`${url}/api/v1/app`, { method: 'POST', headers: admin, body: JSON.stringify({ name: 'cheap' }) })).json();
  await fetch(`${url}/api/v1/app/${app.id}/endpoint`, { method: 'POST', headers: admin, body: JSON.stringify({ url: 'http://127.0.0.1:9/cheap' }) });
  const create = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  let sent = 0;
  const message = () => JSON.stringify({ eventType: 'cheap.event', payload: { order: `ord_${sent++}`, amount: 1250, currency: 'EUR', lines: [{ sku: 'a', quantity: 2 }] } });
  api.pool = new Pool(url, { connections });
  api.routes = [
    { name: 'GET /api/v1/health (public)', path: '/api/v1/health', headers: {}, status: 204 },
    { name: 'GET /api/v1/event-type (admin token)', path: '/api/v1/event-type', headers: { authorization: admin.authorization }, status: 200 },
    { name: 'GET /api/v1/event-type (API token)', path: '/api/v1/event-type', headers: { authorization: `Bearer ${token}` }, status: 200 },
    { name: 'POST …/msg (no key)', path: `/api/v1/app/${app.id}/msg`, method: 'POST', headers: () => create, body: message, status: 202 },
    { name: 'POST …/msg (Idempotency-Key)', path: `/api/v1/app/${app.id}/msg`, method: 'POST', headers: () => ({ ...create, 'idempotency-key': randomBytes(12).toString('hex') }), body: message, status: 202 },
  ].filter((route) => new RegExp(process.env.CHEAP_ROUTES ?? '').test(route.name));
  return api;
}

async function load(api, route, ms, record) {
  const cpuBefore = mainThreadNs(api.child.pid);
  let answered = 0;
  let unexpected = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() - started < ms) {
        const headers = typeof route.headers === 'function' ? route.headers() : route.headers;
        const response = await api.pool.request({ path: route.path, method: route.method ?? 'GET', headers, body: route.body?.() });
        await response.body.dump();
        answered++;
        if (response.statusCode !== route.status) unexpected++;
      }
    }),
  );
  if (!record) return;
  const stats = (api.stats[route.name] ??= { answered: 0, seconds: 0, unexpected: 0, cpuMsPerRequest: [] });
  stats.answered += answered;
  stats.seconds += (performance.now() - started) / 1000;
  stats.unexpected += unexpected;
  stats.cpuMsPerRequest.push((mainThreadNs(api.child.pid) - cpuBefore) / 1e6 / answered);
}

async function stop(api) {
  await api.pool?.close();
  if (api.child && api.child.exitCode === null) {
    // SIGINT, not SIGKILL: a CPU profile is written when the process exits.
    api.child.kill('SIGINT');
    await new Promise((resolve) => api.child.once('exit', resolve));
  }
  await dropInstallation({ postgres, databaseName: api.databaseName, redisUrl, queuePrefix: api.queuePrefix });
}

async function main() {
  const apis = [];
  try {
    for (const [index, spec] of builds.entries()) apis.push(await start(spec, index));
    for (const api of apis) for (const route of api.routes) await load(api, route, 1_500, false);
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 ? [...apis].reverse() : apis;
      for (const api of order) for (const route of api.routes) await load(api, route, sliceMs, true);
    }
  } finally {
    for (const api of apis) await stop(api);
  }
  const loadAverage = fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  console.log(`${rounds} rounds of ${sliceMs} ms per route and build, ${connections} connections; load average ${loadAverage}`);
  for (const { name } of apis[0].routes) {
    for (const api of apis) {
      const stats = api.stats[name];
      const cpu = [...stats.cpuMsPerRequest].sort((a, b) => a - b);
      const figures = `${(stats.answered / stats.seconds).toFixed(0).padStart(5)} req/s, main-thread CPU per request min ${cpu[0].toFixed(3)} ms, median ${cpu[cpu.length >> 1].toFixed(3)} ms`;
      console.log(`${name.padEnd(40)} ${api.label.padEnd(16)} ${figures}${stats.unexpected ? ` (${stats.unexpected} unexpected statuses)` : ''}`);
    }
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
