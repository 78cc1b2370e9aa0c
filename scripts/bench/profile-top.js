#!/usr/bin/env node
// `node scripts/bench/profile-top.js <file.cpuprofile> [N]`: the N functions with the most self time,
// then self time summed by where the code lives (an npm package, Idem's own bundle, Node's internals),
// which says which library a request's time goes to when no single function stands out.
const fs = require('node:fs');

const [file, count = '20'] = process.argv.slice(2);
const profile = JSON.parse(fs.readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const selfTime = new Map();
const deltas = profile.timeDeltas;
profile.samples.forEach((id, index) => selfTime.set(id, (selfTime.get(id) ?? 0) + (deltas[index] ?? 0)));
const total = [...selfTime.values()].reduce((a, b) => a + b, 0);

/** `@nestjs/core`, `pg`, `dist` (Idem), `node:internal`, or the frame's name for the VM's own entries (GC, idle). */
function home(callFrame) {
  const url = callFrame.url;
  if (!url) return `(${callFrame.functionName || 'vm'})`;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  if (url.includes('/dist/')) return 'dist (Idem)';
  if (url.startsWith('node:')) return 'node:internal';
  return url;
}

const byFunction = new Map();
const byHome = new Map();
for (const [id, time] of selfTime) {
  const { callFrame } = byId.get(id);
  const where = callFrame.url ? `${callFrame.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/dist\//, 'dist/')}:${callFrame.lineNumber + 1}` : '';
  const name = `${callFrame.functionName || '(anonymous)'} ${where}`.trim();
  byFunction.set(name, (byFunction.get(name) ?? 0) + time);
  byHome.set(home(callFrame), (byHome.get(home(callFrame)) ?? 0) + time);
}
const pct = (time) => `${((100 * time) / total).toFixed(1).padStart(5)} %`;
const top = (map) => [...map].sort((a, b) => b[1] - a[1]).slice(0, Number(count));
console.log(`${file}: ${(total / 1e6).toFixed(1)} s sampled`);
for (const [name, time] of top(byFunction)) console.log(`${pct(time)}  ${name}`);
console.log('\nself time by package');
for (const [name, time] of top(byHome)) console.log(`${pct(time)}  ${name}`);
