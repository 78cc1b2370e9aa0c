#!/usr/bin/env node
// `node scripts/bench/readme-table.js [bench-results.json]`: the README's benchmark table from the
// figures `npm run bench` wrote.
const fs = require('node:fs');
const path = require('node:path');

const file = path.resolve(process.argv[2] ?? 'bench-results.json');
const { measuredAt, cores, node, figures: f } = JSON.parse(fs.readFileSync(file, 'utf8'));
const n = (value) => (value === null || value === undefined ? 'n/a' : Number(value).toLocaleString('en-US'));
const cpu = (perEvent) => (perEvent ? `; CPU ms per event: API ${perEvent.api}, Postgres ${perEvent.postgres}, worker ${perEvent.worker}` : '');
// A figure left out of the run (BENCH_SCENARIOS) is left out of the table.
const rows = [
  f.singleCreateWithoutKey && ['single create, 1 endpoint, no Idempotency-Key (32 clients)', `${n(f.singleCreateWithoutKey.eventsPerSecond)} events/s, p50 ${n(f.singleCreateWithoutKey.p50Ms)} ms, p99 ${n(f.singleCreateWithoutKey.p99Ms)} ms${cpu(f.singleCreateWithoutKey.cpuMsPerEvent)}`],
  f.singleCreateWithKey && ['single create, 1 endpoint, with an Idempotency-Key (32 clients)', `${n(f.singleCreateWithKey.eventsPerSecond)} events/s, p50 ${n(f.singleCreateWithKey.p50Ms)} ms, p99 ${n(f.singleCreateWithKey.p99Ms)} ms${cpu(f.singleCreateWithKey.cpuMsPerEvent)}`],
  f.batchCreate && [`batch create (${f.batchCreate.batchSize} per request), the worker delivering meanwhile`, `${n(f.batchCreate.eventsPerSecond)} events/s accepted and enqueued${cpu(f.batchCreate.cpuMsPerEvent)}`],
  f.batchCreateWorkerStopped && [`batch create (${f.batchCreateWorkerStopped.batchSize} per request), the worker stopped`, `${n(f.batchCreateWorkerStopped.eventsPerSecond)} events/s accepted and enqueued${cpu(f.batchCreateWorkerStopped.cpuMsPerEvent)}`],
  f.batchCreateWithSchema && ['batch create, each payload validated by an enforced JSON Schema', `${n(f.batchCreateWithSchema.eventsPerSecond)} events/s (${f.batchCreateWithSchema.ratioToPlain} of the plain batch)`],
  f.deliveriesOneEndpoint && ['deliveries end to end, 1 endpoint per event', `${n(f.deliveriesOneEndpoint.deliveriesPerSecond)} /s`],
  f.deliveriesFanOut && [`deliveries end to end, ${f.deliveriesFanOut.endpointsPerEvent} endpoints per event`, `${n(f.deliveriesFanOut.deliveriesPerSecond)} /s${f.deliveriesFanOut.cpuMsPerDelivery ? `; CPU ms per delivery: worker ${f.deliveriesFanOut.cpuMsPerDelivery.worker}, Postgres ${f.deliveriesFanOut.cpuMsPerDelivery.postgres}, API ${f.deliveriesFanOut.cpuMsPerDelivery.api}` : ''}`],
  f.paced && [`paced ${n(f.paced.eventsPerSecond)} events/s, 1 endpoint: sent → receiver`, `p50 ${n(f.paced.sentToReceiverP50Ms)} ms, p99 ${n(f.paced.sentToReceiverP99Ms)} ms`],
  f.redisFlush && ['Redis flushed mid-run: until every due delivery is delivered', `${n(f.redisFlush.secondsUntilAllDelivered)} s (${n(f.redisFlush.outstandingAtFlush)} outstanding at the flush)`],
  f.baseline && ['baseline: signed POSTs straight to the receiver, no queue, no database', `${n(f.baseline.signedPostsPerSecond)} /s`],
  f.baseline && [`Idem ÷ baseline (deliveries, ${f.deliveriesFanOut.endpointsPerEvent} endpoints per event)`, `${f.baseline.ratioFanOutDeliveries}`],
  f.coalescedBacklog && [
    `coalescing: ${n(f.coalescedBacklog.entities)} entities' states accepted while the endpoint was down, then delivered`,
    `${n(f.coalescedBacklog.messagesAccepted)} messages, ${n(f.coalescedBacklog.requestsReceived)} requests (${n(f.coalescedBacklog.deliveriesSaved)} saved), drained ${n(f.coalescedBacklog.secondsToDrainAfterBack)} s after it was back`,
  ],
  f.lanes && [
    `ordered lanes: ${n(f.lanes.entities)} entities x ${n(f.lanes.messagesPerEntity)} changes, 1 endpoint, end to end`,
    `${n(f.lanes.orderedDeliveriesPerSecond)} /s ordered, ${n(f.lanes.unorderedDeliveriesPerSecond)} /s unordered (${n(f.lanes.ratioOrderedToUnordered)} of unordered)`,
  ],
].filter(Boolean);
console.log(`Measured ${measuredAt.slice(0, 10)} on ${cores} cores, Node ${node}.\n`);
console.log('| figure | measured |\n| --- | --- |');
for (const [figure, value] of rows) console.log(`| ${figure} | ${value} |`);
