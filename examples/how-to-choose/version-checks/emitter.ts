// IDEM_URL=http://127.0.0.1:8040 IDEM_TOKEN=… IDEM_APP=app_… npx ts-node -r tsconfig-paths/register examples/how-to-choose/version-checks/emitter.ts
import { Svix } from 'svix';
import { required } from '../environment';
import { declareEventType } from '../event-types';

/** A relative change to an account's balance, and the version of the account it applies to. */
export type BalanceChange = { accountId: string; version: number; amount: number };

export const BALANCE_CHANGED = 'balance.changed';

/** Once, at deploy: changes to one account are versioned, and reach each endpoint in the order accepted. */
export function declareBalanceChanges(idemUrl: string, token: string): Promise<void> {
  return declareEventType(idemUrl, token, BALANCE_CHANGED, 'A change to the balance of an account', {
    semantics: 'delta',
    entity: 'account',
    entityIdPath: '/accountId',
    versionPath: '/version',
    ordering: 'entity',
  });
}

/** After every change: the plain svix client. Idem does not coalesce deltas; the receiver's version guard refuses a repeat. */
export async function publishChange(svix: Svix, app: string, change: BalanceChange): Promise<string> {
  const message = await svix.message.create(app, { eventType: BALANCE_CHANGED, payload: { ...change } });
  return message.id;
}

if (require.main === module) {
  void (async () => {
    await declareBalanceChanges(required('IDEM_URL'), required('IDEM_TOKEN'));
    const svix = new Svix(required('IDEM_TOKEN'), { serverUrl: required('IDEM_URL') });
    // The first change again, replayed from the producer's log: a new message, answered stale by the receiver.
    const changes = [{ version: 0, amount: 5 }, { version: 1, amount: 3 }, { version: 0, amount: 5 }];
    for (const change of changes) console.log(await publishChange(svix, required('IDEM_APP'), { accountId: 'acc_1', ...change }));
  })();
}
