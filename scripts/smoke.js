#!/usr/bin/env node
// CI's check of what `npm run build` produced, which the test suite (run from source) never starts:
// the built API and worker against DATABASE_URL (already migrated), one webhook delivered end to end,
// OpenAPI (complete, by the rules of openapi-rules.js) and health served, and both processes exiting 0
// on SIGTERM.
const { spawn } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const http = require('node:http');
const path = require('node:path');
const { openApiProblems } = require('./openapi-rules');

const root = path.resolve(__dirname, '..');
const adminToken = 'smoke_' + randomBytes(16).toString('hex');
const env = {
  ...process.env,
  IDEM_ADMIN_TOKEN: adminToken,
  IDEM_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
  IDEM_QUEUE_PREFIX: 'idem_smoke_' + randomBytes(6).toString('hex'),
  IDEM_ALLOW_PRIVATE_TARGETS: 'true',
  IDEM_LOG_LEVEL: 'warn',
  HOST: '127.0.0.1',
  PORT: '0',
  IDEM_WORKER_PORT: '0',
};

/** A built app, and the URL it says it listens on. */
function startBuilt(app, readyLine) {
  const child = spawn(process.execPath, [`dist/apps/${app}/main.js`], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const url = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${app} did not start:\n${output}`)), 30_000);
    const read = (chunk) => {
      output += chunk;
      const match = readyLine.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    exited.then(({ code }) => reject(new Error(`${app} exited with ${code}:\n${output}`)));
  });
  return { child, url, exited, log: () => output };
}

async function request(url, init = {}) {
  const response = await fetch(url, { ...init, headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json', ...init.headers } });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

function expect(condition, what) {
  if (!condition) throw new Error(`smoke check failed: ${what}`);
}

async function main() {
  const received = [];
  const receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      received.push({ id: req.headers['webhook-id'], signature: req.headers['webhook-signature'], body });
      res.end('ok');
    });
  });
  await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const api = startBuilt('api', /Idem API listening on (http:\/\/[^\s]+)/);
  const worker = startBuilt('worker', /health and metrics on (http:\/\/[^\s]+)/);
  try {
    const [apiUrl, workerUrl] = await Promise.all([api.url, worker.url]);
    expect((await fetch(`${apiUrl}/api/v1/health`)).status === 204, 'API health is 204');
    expect((await fetch(`${workerUrl}/health`)).status === 200, 'worker health is 200');
    const docs = await (await fetch(`${apiUrl}/docs-json`)).json();
    expect(docs.paths && docs.paths['/api/v1/app/{app_id}/msg'], 'OpenAPI lists the message routes');
    // Request and response schemas come from the DTOs through the @nestjs/swagger build plugin.
    expect(docs.components?.schemas?.MessageIn?.properties?.eventType, 'OpenAPI describes MessageIn');
    const problems = openApiProblems(docs, { publicOperationIds: ['v1.health.get'], built: true });
    expect(problems.length === 0, `the OpenAPI document is complete:\n  ${problems.join('\n  ')}`);
    // The lists' filters, too, come from their query DTOs only through the plugin.
    const queryOf = (path) => docs.paths[path].get.parameters.filter((parameter) => parameter.in === 'query').map((parameter) => parameter.name);
    for (const [path, names] of [
      ['/api/v1/app/{app_id}/msg', ['limit', 'iterator', 'event_types', 'channel', 'before', 'after', 'with_content']],
      ['/api/v1/app/{app_id}/attempt/endpoint/{endpoint_id}', ['status', 'status_code_class', 'event_types', 'before', 'after', 'with_content']],
      ['/api/v1/app/{app_id}/endpoint/{endpoint_id}/msg', ['status', 'event_types', 'channel']],
      ['/api/v1/background-task', ['order', 'status', 'task']],
    ]) {
      const missing = names.filter((name) => !queryOf(path).includes(name));
      expect(missing.length === 0, `OpenAPI documents ${path}'s query (${missing.join(', ')} missing)`);
    }

    const app = await request(`${apiUrl}/api/v1/app`, { method: 'POST', body: JSON.stringify({ name: 'smoke' }) });
    expect(app.status === 201, `application created (${app.status})`);
    const endpoint = await request(`${apiUrl}/api/v1/app/${app.body.id}/endpoint`, {
      method: 'POST',
      body: JSON.stringify({ url: `http://127.0.0.1:${receiver.address().port}/hook` }),
    });
    expect(endpoint.status === 201, `endpoint created (${endpoint.status})`);
    const message = await request(`${apiUrl}/api/v1/app/${app.body.id}/msg`, {
      method: 'POST',
      headers: { 'idempotency-key': 'smoke-1' },
      body: JSON.stringify({ eventType: 'smoke.test', payload: { ok: true } }),
    });
    expect(message.status === 202, `message accepted (${message.status})`);
    const deadline = Date.now() + 20_000;
    while (received.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(received.length === 1 && received[0].id === message.body.id, 'the receiver got the message once');
    expect(/^v1,/.test(received[0].signature ?? ''), 'the delivery is signed');
    expect(JSON.parse(received[0].body).ok === true, 'the payload arrived as sent');

    for (const app of [api, worker]) app.child.kill('SIGTERM');
    // Nest's shutdown hooks close the app, then raise the signal again: the API ends by SIGTERM, after closing.
    const [apiExit, workerExit] = await Promise.all([api.exited, worker.exited]);
    const stoppedCleanly = ({ code, signal }) => code === 0 || signal === 'SIGTERM';
    expect(stoppedCleanly(apiExit) && stoppedCleanly(workerExit), `both stop on SIGTERM (api ${JSON.stringify(apiExit)}, worker ${JSON.stringify(workerExit)})`);
    console.log('smoke: built API and worker delivered one signed webhook, served health and OpenAPI, and stopped cleanly');
  } catch (error) {
    console.error(`${error.message}\n--- api ---\n${api.log()}\n--- worker ---\n${worker.log()}`);
    process.exitCode = 1;
  } finally {
    for (const app of [api, worker]) if (app.child.exitCode === null) app.child.kill('SIGKILL');
    receiver.close();
    await deleteQueueKeys();
  }
}

/** The run's Redis keys, under its own prefix. */
async function deleteQueueKeys() {
  const IORedis = require('ioredis');
  const redis = new IORedis(env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
  try {
    const keys = await redis.keys(`${env.IDEM_QUEUE_PREFIX}:*`);
    if (keys.length > 0) await redis.del(...keys);
  } finally {
    redis.disconnect();
  }
}

main();
