import type { ServerResponse } from 'node:http';
import { RawBodyError, readRawBody, RequestWithBody } from './raw-body';
import { WebhookHandler, WebhookReceiver } from './webhook-receiver';

export interface ExpressWebhookMiddlewareOptions {
  /** The largest body read from the stream. Default 5 MiB. */
  maxBodyBytes?: number;
}

/**
 * Express middleware that verifies the raw body, deduplicates, runs `handler` and answers: 200 processed,
 * 200 duplicate (`Idem-Duplicate: true`), 409 in flight, 401 bad signature, 400 malformed. An error the
 * handler throws goes to `next(error)` (your error handler answers 5xx) after the message is released.
 *
 * Mount it where no JSON parser has consumed the body: it reads the stream itself, or takes the Buffer
 * `express.raw()` leaves.
 *
 * @example
 * app.post('/webhooks/idem', expressWebhookMiddleware(receiver, async (delivery) => {
 *   await orders.markPaid(delivery.payload.orderId);
 * }));
 * app.use(express.json()); // after the webhook route, or scoped to other routes
 */
export function expressWebhookMiddleware<Tx>(
  receiver: WebhookReceiver<Tx>,
  handler: WebhookHandler<Tx>,
  options: ExpressWebhookMiddlewareOptions = {},
): (req: RequestWithBody, res: ServerResponse, next: (error?: unknown) => void) => Promise<void> {
  return async (req, res, next) => {
    let body: Buffer;
    try {
      body = await readRawBody(req, options.maxBodyBytes);
    } catch (error) {
      if (error instanceof RawBodyError && error.status === 413) {
        res.writeHead(413, { 'content-type': 'application/json' }).end('{"status":"rejected","reason":"body_too_large"}');
        return;
      }
      next(error);
      return;
    }
    const response = await receiver.receive({ body, headers: req.headers }, handler);
    if (response.outcome === 'failed') {
      next(response.error);
      return;
    }
    res.writeHead(response.status, response.headers).end(response.body);
  };
}
