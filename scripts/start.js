#!/usr/bin/env node
// `npm start`: migrate, then run one API and one worker process against local Postgres and Redis.
// Development convenience; production runs `npm run migrate`, `npm run start:api` and `npm run start:worker` itself.
const { spawn, spawnSync } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const tokenFile = path.join(root, '.idem', 'admin-token');

function adminToken() {
  if (process.env.IDEM_ADMIN_TOKEN) return process.env.IDEM_ADMIN_TOKEN;
  if (fs.existsSync(tokenFile)) return fs.readFileSync(tokenFile, 'utf8').trim();
  const token = 'idem_admin_' + randomBytes(24).toString('base64url');
  fs.mkdirSync(path.dirname(tokenFile), { recursive: true });
  fs.writeFileSync(tokenFile, token + '\n', { mode: 0o600 });
  return token;
}

const env = { ...process.env, IDEM_ADMIN_TOKEN: adminToken() };
const migrate = spawnSync(process.execPath, ['dist/apps/api/main.js', 'migrate'], { cwd: root, env, stdio: 'inherit' });
if (migrate.status !== 0) process.exit(migrate.status ?? 1);

const children = ['api', 'worker'].map((app) =>
  spawn(process.execPath, [`dist/apps/${app}/main.js`], { cwd: root, env, stdio: ['ignore', 'inherit', 'inherit'] }),
);
const port = env.PORT || '8040';
const host = env.HOST || '127.0.0.1';
console.log(`\nIdem API:     http://${host}:${port}/api/v1  (OpenAPI at /docs)`);
console.log(`Admin token:  ${env.IDEM_ADMIN_TOKEN}${process.env.IDEM_ADMIN_TOKEN ? '' : `  (kept in ${path.relative(root, tokenFile)})`}\n`);

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
