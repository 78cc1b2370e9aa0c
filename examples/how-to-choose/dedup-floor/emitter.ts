// IDEM_URL=http://127.0.0.1:8040 IDEM_TOKEN=… IDEM_APP=app_… npx ts-node -r tsconfig-paths/register examples/how-to-choose/dedup-floor/emitter.ts
import { Svix } from 'svix';
import { required } from '../environment';

export type SignUp = { userId: string; email: string };

export const USER_SIGNED_UP = 'user.signed_up';

/**
 * Announces a sign-up with the plain svix client. The `eventId` names the event, not the call, so a
 * send retried after a timeout (by this code, a job queue, a second instance) is the same message.
 */
export async function announceSignUp(svix: Svix, app: string, signUp: SignUp): Promise<string> {
  const message = await svix.message.create(app, { eventType: USER_SIGNED_UP, eventId: `${USER_SIGNED_UP}:${signUp.userId}`, payload: { ...signUp } });
  return message.id;
}

if (require.main === module) {
  const svix = new Svix(required('IDEM_TOKEN'), { serverUrl: required('IDEM_URL') });
  // Sent twice, as a retry after a lost answer would: one message id.
  void (async () => {
    for (let attempt = 0; attempt < 2; attempt++) console.log(await announceSignUp(svix, required('IDEM_APP'), { userId: 'u_17', email: 'ada@example.com' }));
  })();
}
