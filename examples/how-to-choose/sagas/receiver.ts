// WEBHOOK_SECRET=whsec_… DATABASE_URL=postgres://… npx ts-node -r tsconfig-paths/register examples/how-to-choose/sagas/receiver.ts
import { Pool, PoolClient } from 'pg';
import { PermanentRejection, PostgresInbox, WebhookDelivery, WebhookReceiver } from '@idem/sdk/receiver';
import { required } from '../environment';
import { serveWebhooks, ServedWebhooks } from '../serve';
import type { Payment, StockMove } from './emitter';

/** The largest charge the payment service accepts; a larger one is refused for good, and the saga undone. */
export const CHARGE_LIMIT = 1000;

/** Two services, each its own endpoint: stock (reserve, release) and payments (charge, refund). */
export async function startShopServices(pool: Pool, secrets: { stock: string; payments: string }): Promise<{ stock: ServedWebhooks; payments: ServedWebhooks }> {
  await pool.query(`CREATE TABLE IF NOT EXISTS stock_moves (order_id text NOT NULL, sku text NOT NULL, quantity int NOT NULL);
    CREATE TABLE IF NOT EXISTS payments (order_id text NOT NULL, amount int NOT NULL)`);
  const inbox = new PostgresInbox<PoolClient>(pool);
  await inbox.install();
  const stock = await serveWebhooks(new WebhookReceiver({ secret: secrets.stock, store: inbox }), async ({ payload }: WebhookDelivery<StockMove>, client) => {
    await client.query('INSERT INTO stock_moves (order_id, sku, quantity) VALUES ($1, $2, $3)', [payload.orderId, payload.sku, payload.quantity]);
  });
  const payments = await serveWebhooks(new WebhookReceiver({ secret: secrets.payments, store: inbox }), async ({ payload }: WebhookDelivery<Payment>, client) => {
    // Answered 422 with `webhook-outcome: rejected`: Idem does not retry it, and compensates the steps before.
    if (payload.amount > CHARGE_LIMIT) throw new PermanentRejection('card declined');
    await client.query('INSERT INTO payments (order_id, amount) VALUES ($1, $2)', [payload.orderId, payload.amount]);
  });
  return { stock, payments };
}

if (require.main === module) {
  void startShopServices(new Pool({ connectionString: required('DATABASE_URL') }), { stock: required('WEBHOOK_SECRET'), payments: required('WEBHOOK_SECRET') }).then(({ stock, payments }) =>
    console.log(`stock at ${stock.url}, payments at ${payments.url}`),
  );
}
