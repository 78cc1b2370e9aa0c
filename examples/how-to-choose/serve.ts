import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { readRawBody, WebhookHandler, WebhookReceiver } from '@idem/sdk/receiver';

/** A receiver listening: the URL to give Idem's endpoint, and how to stop it. */
export interface ServedWebhooks {
  url: string;
  close(): Promise<void>;
}

/** Serves `handler` behind `receiver` at `POST /webhooks` on 127.0.0.1; `port` 0 takes any free one. */
export async function serveWebhooks<Tx>(receiver: WebhookReceiver<Tx>, handler: WebhookHandler<Tx>, port = 0): Promise<ServedWebhooks> {
  const server = createServer(async (request, response) => {
    if (request.method !== 'POST' || request.url !== '/webhooks') return void response.writeHead(404).end();
    const answer = await receiver.receive({ body: await readRawBody(request), headers: request.headers }, handler);
    if (answer.outcome === 'failed') console.error('handler failed', answer.error);
    response.writeHead(answer.status, answer.headers).end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
