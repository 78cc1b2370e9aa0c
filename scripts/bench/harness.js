// What the benchmark scripts share: waiting, the receiver's IPC, the same-run baseline of signed POSTs,
// and dropping a benchmark's database and Redis keys.
const { createHmac } = require('node:crypto');
const fs = require('node:fs');
const { Client } = require('pg');
const IORedis = require('ioredis');
const { Pool } = require('undici');

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const round = (n, digits = 1) => (Number.isFinite(n) ? Number(n.toFixed(digits)) : null);

function percentile(values, p) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Polls `condition` every `intervalMs`; a condition that counts rows costs the database each time, so poll it no faster than needed. */
async function waitUntil(condition, timeoutMs, what, intervalMs = 50) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** Sends `command` to a forked child and resolves with its first answer that has `key`. */
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

/**
 * The baseline: `total` POSTs signed as Standard Webhooks with `secret`, sent straight to the receiver
 * from this process over `concurrency` connections, no queue and no database. Resolves with POSTs/s.
 */
async function signedPostBaseline({ receiverPort, secret, total, concurrency, pathOf = () => '/webhook', bodyOf = (i) => JSON.stringify({ i }) }) {
  const direct = new Pool(`http://127.0.0.1:${receiverPort}`, { connections: concurrency });
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next++;
        const id = `msg_baseline_${i}`;
        const timestamp = Math.floor(Date.now() / 1000);
        const body = bodyOf(i);
        const signature = 'v1,' + createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
        const response = await direct.request({
          path: pathOf(i),
          method: 'POST',
          headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signature },
          body,
        });
        await response.body.dump();
      }
    }),
  );
  const perSecond = total / ((performance.now() - start) / 1000);
  await direct.close();
  return perSecond;
}

async function deletePrefix(redis, prefix) {
  let cursor = '0';
  do {
    const [nextCursor, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = nextCursor;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== '0');
}

/** Drops a benchmark's database and deletes its Redis keys. */
async function dropInstallation({ postgres, databaseName, redisUrl, queuePrefix }) {
  const admin = new Client({ connectionString: `${postgres}/postgres` });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${databaseName}" WITH (FORCE)`);
  await admin.end();
  const redis = new IORedis(redisUrl);
  await deletePrefix(redis, queuePrefix);
  redis.disconnect();
}

/** User and system CPU seconds the processes have used so far (Linux' /proc; 0 for one already gone). */
function cpuSeconds(pids) {
  const ticksPerSecond = 100;
  let ticks = 0;
  for (const pid of pids) {
    try {
      const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // Exited meanwhile.
    }
  }
  return ticks / ticksPerSecond;
}

/**
 * What a stretch of the run cost each process in CPU: call `start()` before, `msPer(n)` after, for
 * milliseconds of CPU per unit of work (event, delivery). Unlike throughput, it hardly moves when
 * something else shares the machine.
 */
function cpuMeter(processesOf) {
  let before = null;
  const read = async () => {
    const groups = await processesOf();
    return Object.fromEntries(Object.entries(groups).map(([name, pids]) => [name, new Map(pids.map((pid) => [pid, cpuSeconds([pid])]))]));
  };
  return {
    async start() {
      before = await read();
    },
    /** Per group of processes (a process started meanwhile counts from zero). */
    async msPer(units) {
      const after = await read();
      return Object.fromEntries(
        Object.entries(after).map(([name, pids]) => {
          let seconds = 0;
          for (const [pid, now] of pids) seconds += now - (before[name]?.get(pid) ?? 0);
          return [name, round((1000 * seconds) / units, 3)];
        }),
      );
    },
  };
}

module.exports = { ask, cpuMeter, cpuSeconds, deletePrefix, dropInstallation, percentile, round, signedPostBaseline, sleep, waitUntil };
