// WEBHOOK_SECRET=whsec_… REDIS_URL=redis://127.0.0.1:6379 PORT=3000 npx ts-node -r tsconfig-paths/register examples/how-to-choose/dedup-floor/receiver.ts
import Redis from 'ioredis';
import { RedisDedupStore, WebhookDelivery, WebhookReceiver } from '@idem/sdk/receiver';
import { required } from '../environment';
import { serveWebhooks, ServedWebhooks } from '../serve';
import type { SignUp } from './emitter';

/** Where the mailer's instances record, by `webhook-id`, the messages they handled (for 96 hours). */
export const WELCOME_DEDUP_PREFIX = 'welcome-mailer:';

/** Sends each new user a welcome email, through whatever mailer is given: an effect outside any database. */
export function startWelcomeMailer(redis: Redis, secret: string, sendEmail: (to: string) => Promise<void>, port?: number): Promise<ServedWebhooks> {
  const receiver = new WebhookReceiver({ secret, store: new RedisDedupStore(redis, { keyPrefix: WELCOME_DEDUP_PREFIX }) });
  return serveWebhooks(receiver, ({ payload }: WebhookDelivery<SignUp>) => sendEmail(payload.email));
}

if (require.main === module) {
  const redis = new Redis(required('REDIS_URL'));
  void startWelcomeMailer(redis, required('WEBHOOK_SECRET'), async (to) => console.log(`welcome mail to ${to}`), Number(process.env.PORT ?? 3000)).then(({ url }) =>
    console.log(`receiving at ${url}`),
  );
}
