// WEBHOOK_SECRET=whsec_… DATABASE_URL=postgres://… PORT=3000 npx ts-node -r tsconfig-paths/register examples/how-to-choose/absolute-state/receiver.ts
import { Pool, PoolClient } from 'pg';
import { MemoryDedupStore, PostgresVersionGuard, WebhookDelivery, WebhookReceiver } from '@idem/sdk/receiver';
import { required } from '../environment';
import { serveWebhooks, ServedWebhooks } from '../serve';
import type { Order } from './emitter';

/** A mirror of the producer's orders: each row the newest state received, with a log of the states applied. */
export async function startOrderMirror(pool: Pool, secret: string, port?: number): Promise<ServedWebhooks> {
  await pool.query(`CREATE TABLE IF NOT EXISTS orders_replica (id text PRIMARY KEY, version int NOT NULL, status text NOT NULL, total int NOT NULL);
    CREATE TABLE IF NOT EXISTS orders_applied (seq bigserial PRIMARY KEY, id text NOT NULL, version int NOT NULL)`);
  const guard = new PostgresVersionGuard<PoolClient>(pool);
  await guard.install();
  const receiver = new WebhookReceiver({ secret, store: new MemoryDedupStore() });
  // The guard reads the order and its version from Idem's idem-entity headers; an older state than the
  // one applied is refused, and the receiver answers Idem `webhook-outcome: stale`.
  return serveWebhooks(receiver, (delivery: WebhookDelivery<Order>) =>
    guard.applyIfNewer(delivery, async (client) => {
      const order = delivery.payload;
      await client.query(
        `INSERT INTO orders_replica (id, version, status, total) VALUES ($1, $2, $3, $4)
         ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version, status = EXCLUDED.status, total = EXCLUDED.total`,
        [order.id, order.version, order.status, order.total],
      );
      await client.query('INSERT INTO orders_applied (id, version) VALUES ($1, $2)', [order.id, order.version]);
    }),
  );
}

if (require.main === module) {
  void startOrderMirror(new Pool({ connectionString: required('DATABASE_URL') }), required('WEBHOOK_SECRET'), Number(process.env.PORT ?? 3000)).then(({ url }) =>
    console.log(`receiving at ${url}`),
  );
}
