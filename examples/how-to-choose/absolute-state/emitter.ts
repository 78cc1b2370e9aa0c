// IDEM_URL=http://127.0.0.1:8040 IDEM_TOKEN=… IDEM_APP=app_… npx ts-node -r tsconfig-paths/register examples/how-to-choose/absolute-state/emitter.ts
import { Svix } from 'svix';
import { required } from '../environment';
import { declareEventType } from '../event-types';

/** An order's whole state: every message carries all of it, at the version it has after the change. */
export type Order = { id: string; version: number; status: string; total: number };

export const ORDER_UPDATED = 'order.updated';

/** Once, at deploy: the event type says its messages are states of an order, versioned. */
export function declareOrderState(idemUrl: string, token: string): Promise<void> {
  return declareEventType(idemUrl, token, ORDER_UPDATED, 'The whole state of an order', {
    semantics: 'state',
    entity: 'order',
    entityIdPath: '/id',
    versionPath: '/version',
  });
}

/** After every change of an order: the plain svix client, unchanged. Idem never sends an older version than one it accepted. */
export async function publishOrder(svix: Svix, app: string, order: Order): Promise<string> {
  const message = await svix.message.create(app, { eventType: ORDER_UPDATED, payload: { ...order } });
  return message.id;
}

if (require.main === module) {
  void (async () => {
    await declareOrderState(required('IDEM_URL'), required('IDEM_TOKEN'));
    const svix = new Svix(required('IDEM_TOKEN'), { serverUrl: required('IDEM_URL') });
    // The second version arrives after the third (a late retry): Idem accepts it as stale and sends it nowhere.
    for (const version of [1, 3, 2]) console.log(await publishOrder(svix, required('IDEM_APP'), { id: 'ord_1', version, status: `v${version}`, total: 10 * version }));
  })();
}
