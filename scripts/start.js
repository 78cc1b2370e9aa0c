#!/usr/bin/env node
// `npm start`: migrate, then run one API and one worker process against local Postgres and Redis.
// Development convenience; production runs `npm run migrate`, `npm run start:api` and `npm run start:worker` itself.
const { spawn, spawnSync } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const tokenFile = path.join(root, '.idem', 'admin-token');
const encryptionKeyFile = path.join(root, '.idem', 'encryption-key');

/** The value in `file`, made by `generate` and kept there (readable by this user only) the first time. */
function kept(file, generate) {
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim();
  const value = generate();
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, value + '\n', { mode: 0o600 });
  return value;
}

const env = {
  ...process.env,
  IDEM_ADMIN_TOKEN: process.env.IDEM_ADMIN_TOKEN || kept(tokenFile, () => 'idem_admin_' + randomBytes(24).toString('base64url')),
  // Endpoint secrets in the database are encrypted with this key: losing the file loses them.
  IDEM_ENCRYPTION_KEY: process.env.IDEM_ENCRYPTION_KEY || kept(encryptionKeyFile, () => randomBytes(32).toString('base64')),
};
const migrate = spawnSync(process.execPath, ['dist/apps/api/main.js', 'migrate'], { cwd: root, env, stdio: 'inherit' });
if (migrate.status !== 0) process.exit(migrate.status ?? 1);

const children = ['api', 'worker'].map((app) =>
  spawn(process.execPath, [`dist/apps/${app}/main.js`], { cwd: root, env, stdio: ['ignore', 'inherit', 'inherit'] }),
);
const port = env.PORT || '8040';
const host = env.HOST || '127.0.0.1';
console.log(`\nIdem API:     http://${host}:${port}/api/v1  (OpenAPI at /docs, Prometheus metrics at /metrics)`);
console.log(`Worker:       http://${host}:${env.IDEM_WORKER_PORT || '8041'}/health and /metrics`);
console.log(`Admin token:  ${env.IDEM_ADMIN_TOKEN}${process.env.IDEM_ADMIN_TOKEN ? '' : `  (kept in ${path.relative(root, tokenFile)})`}`);
console.log(`Secrets key:  ${process.env.IDEM_ENCRYPTION_KEY ? 'from IDEM_ENCRYPTION_KEY' : `kept in ${path.relative(root, encryptionKeyFile)}; back it up`}\n`);

let stopping = false;
function stop(signal) {
  if (stopping) return;
  stopping = true;
  for (const child of children) child.kill(signal);
}
process.on('SIGINT', () => stop('SIGTERM'));
process.on('SIGTERM', () => stop('SIGTERM'));
for (const child of children) {
  child.on('exit', (code) => {
    stop('SIGTERM');
    if (children.every((c) => c.exitCode !== null || c.signalCode !== null)) process.exit(code ?? 0);
  });
}
