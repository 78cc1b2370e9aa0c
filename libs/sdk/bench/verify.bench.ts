/**
 * Throughput of verification, and of verification plus in-memory dedup, beside the `standardwebhooks`
 * library's own `verify`, on the same signed messages in the same run. Exits non-zero if ours is slower.
 *
 *   npm run bench:sdk
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { MemoryDedupStore, Webhook, WebhookReceiver } from '@idem/sdk/receiver';

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 50_000);
const ROUNDS = 3;

const secret = `whsec_${randomBytes(32).toString('base64')}`;
// A typical event of under 1 KB; messages differ by id, so every dedup claim is a new one.
const body = JSON.stringify({
  type: 'order.paid',
  timestamp: new Date().toISOString(),
  data: {
    orderId: 'ord_2KWPBgLlAfxdpx2AI54pPJ85f4W',
    customer: { id: 'cus_8412', email: 'ada@example.com', name: 'Ada Lovelace' },
    lines: Array.from({ length: 8 }, (_, i) => ({ sku: `SKU-${1000 + i}`, quantity: i + 1, unitPrice: 1299 + i * 100, currency: 'EUR' })),
    note: 'Leave at the door, please.',
  },
});

const signer = new StandardWebhook(secret);
const now = new Date();
const timestamp = String(Math.floor(now.getTime() / 1000));
const deliveries = Array.from({ length: MESSAGES }, (_, i) => {
  const id = `msg_${i.toString(36).padStart(8, '0')}`;
  return { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': signer.sign(id, now, body) };
});

type Contender = { name: string; run: () => Promise<void> | void };

const standardwebhooks = new StandardWebhook(secret);
const ours = new Webhook(secret);

const contenders: Contender[] = [
  {
    name: 'standardwebhooks verify',
    run: () => {
      for (const headers of deliveries) standardwebhooks.verify(body, headers);
    },
  },
  {
    name: '@idem/sdk verify',
    run: () => {
      for (const headers of deliveries) ours.verify(body, headers);
    },
  },
  {
    name: '@idem/sdk verify + dedupe (memory)',
    run: async () => {
      const receiver = new WebhookReceiver({ secret, store: new MemoryDedupStore() });
      const noop = () => undefined;
      for (const headers of deliveries) {
        const outcome = await receiver.process({ body, headers }, noop);
        if (outcome.kind !== 'processed') throw new Error(`unexpected ${outcome.kind}`);
      }
    },
  },
];

async function main(): Promise<void> {
  console.log(`${MESSAGES} messages of ${Buffer.byteLength(body)} bytes, best of ${ROUNDS} rounds, Node ${process.version}\n`);
  const best = new Map<string, number>();
  for (let round = 0; round < ROUNDS; round++) {
    for (const contender of contenders) {
      const started = performance.now();
      await contender.run();
      const opsPerSecond = MESSAGES / ((performance.now() - started) / 1000);
      best.set(contender.name, Math.max(best.get(contender.name) ?? 0, opsPerSecond));
    }
  }

  const baseline = best.get('standardwebhooks verify')!;
  for (const [name, opsPerSecond] of best) {
    console.log(`${name.padEnd(38)} ${Math.round(opsPerSecond).toLocaleString('en').padStart(10)} ops/s  ${(1e6 / opsPerSecond).toFixed(2).padStart(7)} µs/op  ${(opsPerSecond / baseline).toFixed(2)}x`);
  }
  const slower = [...best].filter(([name, opsPerSecond]) => name.startsWith('@idem') && opsPerSecond < baseline);
  if (slower.length > 0) {
    console.error(`\nSlower than standardwebhooks: ${slower.map(([name]) => name).join(', ')}`);
    process.exitCode = 1;
  } else {
    console.log('\nBoth @idem/sdk paths are at least as fast as standardwebhooks verify.');
  }
}

void main();
