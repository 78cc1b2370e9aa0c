// IDEM_URL=http://127.0.0.1:8040 IDEM_TOKEN=… IDEM_APP=app_… npx ts-node -r tsconfig-paths/register examples/how-to-choose/sagas/emitter.ts
import { IdemClient, SagaIn } from '@idem/sdk/emitter';
import { required } from '../environment';
import { declareEventType } from '../event-types';

export type Order = { id: string; sku: string; amount: number };

/** A stock move: +1 reserves the order's item, -1 releases it. */
export type StockMove = { orderId: string; sku: string; quantity: 1 | -1 };
/** A charge, or with a negative amount its refund. */
export type Payment = { orderId: string; amount: number };

/** What each service subscribes to: a saga's step and its compensation go to the same service. */
export const STOCK_EVENTS = { reserve: 'stock.reserve', release: 'stock.release' } as const;
export const PAYMENT_EVENTS = { charge: 'payment.charge', refund: 'payment.refund' } as const;

/** The saga's event types, in the catalog once at deploy: Idem refuses a saga that names a type it does not list. */
export async function declareShopEventTypes(idemUrl: string, token: string): Promise<void> {
  for (const name of [...Object.values(STOCK_EVENTS), ...Object.values(PAYMENT_EVENTS)]) await declareEventType(idemUrl, token, name, `The shop's ${name}`);
}

/** Placing an order: reserve its item, then charge it; when the charge is refused for good, Idem releases the item. */
export function orderSaga(order: Order): SagaIn {
  const move = (quantity: 1 | -1): StockMove => ({ orderId: order.id, sku: order.sku, quantity });
  const payment = (amount: number): Payment => ({ orderId: order.id, amount });
  return {
    // Minted where the business operation starts: a retry of this call is the same saga.
    sagaId: `order-${order.id}`,
    steps: [
      { name: 'reserve', eventType: STOCK_EVENTS.reserve, payload: move(1), compensation: { eventType: STOCK_EVENTS.release, payload: move(-1) } },
      { name: 'charge', eventType: PAYMENT_EVENTS.charge, payload: payment(order.amount), compensation: { eventType: PAYMENT_EVENTS.refund, payload: payment(-order.amount) } },
    ],
  };
}

export function placeOrder(idem: IdemClient, app: string, order: Order): ReturnType<IdemClient['startSaga']> {
  return idem.startSaga(app, orderSaga(order));
}

if (require.main === module) {
  const idem = new IdemClient({ baseUrl: required('IDEM_URL'), token: required('IDEM_TOKEN') });
  void declareShopEventTypes(required('IDEM_URL'), required('IDEM_TOKEN'))
    .then(() => placeOrder(idem, required('IDEM_APP'), { id: '1042', sku: 'mug', amount: 25 }))
    .then(({ saga, replayed }) => console.log(saga, { replayed }));
}
