// IDEM_URL=http://127.0.0.1:8040 IDEM_TOKEN=… IDEM_APP=app_… DATABASE_URL=postgres://… npx ts-node -r tsconfig-paths/register examples/how-to-choose/idempotency-keys/emitter.ts
import { Pool } from 'pg';
import { IdemClient, mintIdempotencyKey, OutboxRelay, OutboxRelayOptions, PostgresOutbox } from '@idem/sdk/emitter';
import { required } from '../environment';

export const INVOICE_PAID = 'invoice.paid';

export type InvoicePaid = { invoiceId: string; amount: number };

const outbox = new PostgresOutbox();

/** The producer's tables: its invoices, and the outbox their events wait in. */
export async function installBilling(pool: Pool): Promise<void> {
  await pool.query("CREATE TABLE IF NOT EXISTS invoices (id text PRIMARY KEY, amount int NOT NULL, status text NOT NULL DEFAULT 'open', version int NOT NULL DEFAULT 1)");
  await outbox.install(pool);
}

/**
 * Marks an invoice paid and writes its event in the same transaction, under a key minted from the change
 * itself (the invoice at the version paying it gave it). A retried request finds the invoice paid at that
 * version, mints the same key, and the outbox writes nothing: `false`.
 */
export async function markInvoicePaid(pool: Pool, app: string, invoiceId: string): Promise<boolean> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const { rows } = await client.query<{ amount: number; version: number }>(
      `UPDATE invoices SET version = CASE WHEN status = 'paid' THEN version ELSE version + 1 END, status = 'paid' WHERE id = $1 RETURNING amount, version`,
      [invoiceId],
    );
    if (rows.length === 0) throw new Error(`No invoice ${invoiceId}`);
    const [{ amount, version }] = rows;
    const { enqueued } = await outbox.enqueue(client, {
      app,
      eventType: INVOICE_PAID,
      payload: { invoiceId, amount } satisfies InvoicePaid,
      idempotencyKey: mintIdempotencyKey({ source: 'billing', entity: `invoice:${invoiceId}`, version }),
    });
    await client.query('COMMIT');
    return enqueued;
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
}

/** Ships the outbox to Idem. A row sent again after a crash carries its key, and Idem answers it with the message it has. */
export function outboxRelay(pool: Pool, client: OutboxRelayOptions['client']): OutboxRelay {
  return new OutboxRelay(pool, { client });
}

if (require.main === module) {
  void (async () => {
    const pool = new Pool({ connectionString: required('DATABASE_URL') });
    await installBilling(pool);
    await pool.query("INSERT INTO invoices (id, amount) VALUES ('inv_1', 120) ON CONFLICT DO NOTHING");
    console.log('enqueued', await markInvoicePaid(pool, required('IDEM_APP'), 'inv_1'));
    const relay = outboxRelay(pool, new IdemClient({ baseUrl: required('IDEM_URL'), token: required('IDEM_TOKEN') }));
    console.log(await relay.runOnce());
    await pool.end();
  })();
}
