// WEBHOOK_SECRET=whsec_… DATABASE_URL=postgres://… PORT=3000 npx ts-node -r tsconfig-paths/register examples/how-to-choose/idempotency-keys/receiver.ts
import { Pool, PoolClient } from 'pg';
import { PostgresInbox, WebhookDelivery, WebhookReceiver } from '@idem/sdk/receiver';
import { required } from '../environment';
import { serveWebhooks, ServedWebhooks } from '../serve';
import type { InvoicePaid } from './emitter';

/** Pays out each paid invoice: a side effect no retry may repeat. */
export async function startPayouts(pool: Pool, secret: string, port?: number): Promise<ServedWebhooks> {
  // No unique key on purpose: a second payout would be a second row.
  await pool.query('CREATE TABLE IF NOT EXISTS payouts (invoice_id text NOT NULL, amount int NOT NULL)');
  const inbox = new PostgresInbox<PoolClient>(pool);
  await inbox.install();
  const receiver = new WebhookReceiver({ secret, store: inbox });
  // The payout commits with the inbox's record of the message: a redelivery finds the record and runs nothing.
  return serveWebhooks(receiver, async ({ payload }: WebhookDelivery<InvoicePaid>, client) => {
    await client.query('INSERT INTO payouts (invoice_id, amount) VALUES ($1, $2)', [payload.invoiceId, payload.amount]);
  });
}

if (require.main === module) {
  void startPayouts(new Pool({ connectionString: required('DATABASE_URL') }), required('WEBHOOK_SECRET'), Number(process.env.PORT ?? 3000)).then(({ url }) => console.log(`receiving at ${url}`));
}
