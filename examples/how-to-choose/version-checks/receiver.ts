// WEBHOOK_SECRET=whsec_… DATABASE_URL=postgres://… PORT=3000 npx ts-node -r tsconfig-paths/register examples/how-to-choose/version-checks/receiver.ts
import { Pool, PoolClient } from 'pg';
import { MemoryDedupStore, PostgresVersionGuard, WebhookDelivery, WebhookReceiver } from '@idem/sdk/receiver';
import { required } from '../environment';
import { serveWebhooks, ServedWebhooks } from '../serve';
import type { BalanceChange } from './emitter';

/** Keeps each account's balance by applying the changes it is sent, each once. */
export async function startLedger(pool: Pool, secret: string, port?: number): Promise<ServedWebhooks> {
  await pool.query('CREATE TABLE IF NOT EXISTS balances (account_id text PRIMARY KEY, balance int NOT NULL)');
  const guard = new PostgresVersionGuard<PoolClient>(pool);
  await guard.install();
  const receiver = new WebhookReceiver({ secret, store: new MemoryDedupStore() });
  // A change whose version is not newer than the last one applied to the account (a replay, a duplicate
  // under another message id) is refused: the receiver answers `webhook-outcome: stale` and Idem ends it stale.
  return serveWebhooks(receiver, (delivery: WebhookDelivery<BalanceChange>) =>
    guard.applyIfNewer(delivery, (client) =>
      client.query(
        'INSERT INTO balances (account_id, balance) VALUES ($1, $2) ON CONFLICT (account_id) DO UPDATE SET balance = balances.balance + EXCLUDED.balance',
        [delivery.payload.accountId, delivery.payload.amount],
      ),
    ),
  );
}

if (require.main === module) {
  void startLedger(new Pool({ connectionString: required('DATABASE_URL') }), required('WEBHOOK_SECRET'), Number(process.env.PORT ?? 3000)).then(({ url }) => console.log(`receiving at ${url}`));
}
