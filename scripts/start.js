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

/** What each app prints once it is serving, with the URL it serves on. */
const READY = {
  api: /^Idem API listening on (\S+)/m,
  worker: /^Idem worker started; health and metrics on (\S+)/m,
};

/** The value in `file`, made by `generate` and kept there (readable by this user only) the first time. */
function kept(file, generate) {
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim();
  const value = generate();
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, value + '\n', { mode: 0o600 });
  return value;
}

/**
 * The environment both apps run with: the caller's, with a kept admin token and encryption key, and
 * with endpoints on loopback and private networks allowed, since the receiver a developer tries first
 * runs on 127.0.0.1. Cloud metadata stays forbidden whatever this says; production start scripts keep
 * the strict default.
 */
function developmentEnv(processEnv, keep = kept) {
  return {
    ...processEnv,
    IDEM_ADMIN_TOKEN: processEnv.IDEM_ADMIN_TOKEN || keep(tokenFile, () => 'idem_admin_' + randomBytes(24).toString('base64url')),
    // Endpoint secrets in the database are encrypted with this key: losing the file loses them.
    IDEM_ENCRYPTION_KEY: processEnv.IDEM_ENCRYPTION_KEY || keep(encryptionKeyFile, () => randomBytes(32).toString('base64')),
    IDEM_ALLOW_PRIVATE_TARGETS: processEnv.IDEM_ALLOW_PRIVATE_TARGETS ?? 'true',
  };
}

/** The lines printed once both apps serve: where everything is, and what this development set-up allows. */
function banner({ apiUrl, workerUrl, processEnv, env }) {
  const api = apiUrl.replace(/\/$/, '');
  const worker = workerUrl.replace(/\/$/, '');
  const privateTargets =
    env.IDEM_ALLOW_PRIVATE_TARGETS === 'true'
      ? `allowed${processEnv.IDEM_ALLOW_PRIVATE_TARGETS === undefined ? ' (npm start is for development; IDEM_ALLOW_PRIVATE_TARGETS=false refuses them, as production does)' : ''}; cloud metadata stays refused`
      : `refused (IDEM_ALLOW_PRIVATE_TARGETS=${env.IDEM_ALLOW_PRIVATE_TARGETS})`;
  return [
    '',
    `Idem API:         ${api}/api/v1`,
    `Console:          ${api}/console/`,
    `OpenAPI:          ${api}/docs`,
    `Worker health:    ${worker}/health (metrics at ${worker}/metrics, the API's at ${api}/metrics)`,
    `Admin token:      ${env.IDEM_ADMIN_TOKEN}${processEnv.IDEM_ADMIN_TOKEN ? '' : `  (kept in ${path.relative(root, tokenFile)})`}`,
    `Secrets key:      ${processEnv.IDEM_ENCRYPTION_KEY ? 'from IDEM_ENCRYPTION_KEY' : `kept in ${path.relative(root, encryptionKeyFile)}; back it up`}`,
    `Private targets:  ${privateTargets}`,
    '',
  ].join('\n');
}

/**
 * Passes each app's output through and calls `onReady` with their URLs once both have said they serve,
 * so that the banner comes after every start-up line rather than among them.
 */
function watchReadiness(children, onReady, out = process.stdout) {
  const urls = {};
  const seen = {};
  for (const [app, child] of Object.entries(children)) {
    seen[app] = '';
    child.stdout.on('data', (chunk) => {
      out.write(chunk);
      if (urls[app] !== undefined) return;
      // Only the tail is kept: a ready line is short, and may arrive split across chunks.
      seen[app] = (seen[app] + chunk).slice(-4096);
      const match = READY[app].exec(seen[app]);
      if (!match) return;
      urls[app] = match[1];
      if (Object.keys(children).every((name) => urls[name] !== undefined)) onReady(urls);
    });
  }
}

function main() {
  const env = developmentEnv(process.env);
  const migrate = spawnSync(process.execPath, ['dist/apps/api/main.js', 'migrate'], { cwd: root, env, stdio: 'inherit' });
  if (migrate.status !== 0) process.exit(migrate.status ?? 1);

  const children = Object.fromEntries(
    ['api', 'worker'].map((app) => [app, spawn(process.execPath, [`dist/apps/${app}/main.js`], { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'] })]),
  );
  watchReadiness(children, (urls) => console.log(banner({ apiUrl: urls.api, workerUrl: urls.worker, processEnv: process.env, env })));

  let stopping = false;
  function stop(signal) {
    if (stopping) return;
    stopping = true;
    for (const child of Object.values(children)) child.kill(signal);
  }
  process.on('SIGINT', () => stop('SIGTERM'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  for (const child of Object.values(children)) {
    child.on('exit', (code) => {
      stop('SIGTERM');
      if (Object.values(children).every((c) => c.exitCode !== null || c.signalCode !== null)) process.exit(code ?? 0);
    });
  }
}

if (require.main === module) main();

module.exports = { developmentEnv, banner, watchReadiness };
