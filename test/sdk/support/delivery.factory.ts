import { randomBytes, randomUUID } from 'node:crypto';
import { Webhook as StandardWebhook } from 'standardwebhooks';

/** A signed delivery as Idem sends it, signed by the `standardwebhooks` library. */
export interface SignedDelivery {
  body: string;
  headers: Record<string, string>;
}

export const DeliveryFactory = {
  secret(): string {
    return `whsec_${randomBytes(24).toString('base64')}`;
  },

  /** Each call re-signs with the given (default: current) time, as a sender's retry does. */
  create(options: { secret: string; id?: string; payload?: unknown; body?: string; timestamp?: Date; headers?: Record<string, string> }): SignedDelivery {
    const id = options.id ?? `msg_${randomUUID()}`;
    const body = options.body ?? JSON.stringify(options.payload ?? { type: 'order.paid', orderId: randomUUID() });
    const timestamp = options.timestamp ?? new Date();
    const signature = new StandardWebhook(options.secret).sign(id, timestamp, body);
    return {
      body,
      headers: {
        'content-type': 'application/json',
        'webhook-id': id,
        'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
        'webhook-signature': signature,
        ...options.headers,
      },
    };
  },
};

/** Posts a delivery and returns the status, headers and body text. */
export async function post(url: string, delivery: SignedDelivery): Promise<{ status: number; headers: Headers; text: string }> {
  const response = await fetch(url, { method: 'POST', headers: delivery.headers, body: delivery.body });
  return { status: response.status, headers: response.headers, text: await response.text() };
}
