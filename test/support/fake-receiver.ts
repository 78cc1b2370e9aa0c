import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface ReceivedWebhook {
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  /** True when `standardwebhooks` verified the signature with the receiver's secret. */
  verified: boolean;
  receivedAt: number;
}

export interface ReceiverAnswer {
  status: number;
  body?: string;
  headers?: Record<string, string>;
  delayMs?: number;
}

/** Decides how the receiver answers one request, at once or when a promise settles; the default is 200. */
export type ReceiverBehaviour = (request: ReceivedWebhook, index: number) => ReceiverAnswer | Promise<ReceiverAnswer>;

/**
 * An HTTP endpoint on 127.0.0.1 that records every webhook, verifies each with the `standardwebhooks`
 * library when given the endpoint's secret, and answers as the test tells it to.
 */
export class FakeReceiver {
  readonly received: ReceivedWebhook[] = [];
  private server: Server | undefined;
  private secret: string | undefined;
  behaviour: ReceiverBehaviour = () => ({ status: 200, body: 'ok' });

  static async start(behaviour?: ReceiverBehaviour): Promise<FakeReceiver> {
    const receiver = new FakeReceiver();
    if (behaviour) receiver.behaviour = behaviour;
    await receiver.listen();
    return receiver;
  }

  get url(): string {
    const { port } = this.server!.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  /** The secret to verify with, e.g. the endpoint's `whsec_...`. */
  verifyWith(secret: string): void {
    this.secret = secret;
  }

  /** Requests received per `webhook-id`. */
  countsByMessageId(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const webhook of this.received) {
      const id = String(webhook.headers['webhook-id']);
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    return counts;
  }

  async waitFor(predicate: (received: ReceivedWebhook[]) => boolean, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this.received)) {
      if (Date.now() > deadline) throw new Error(`receiver: condition not met within ${timeoutMs} ms (received ${this.received.length})`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  private listen(): Promise<void> {
    this.server = createServer((request, response) => this.handle(request, response));
    return new Promise((resolve) => this.server!.listen(0, '127.0.0.1', () => resolve()));
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const webhook: ReceivedWebhook = {
        path: request.url ?? '/',
        headers: request.headers,
        body,
        verified: this.verify(body, request.headers),
        receivedAt: Date.now(),
      };
      const index = this.received.push(webhook) - 1;
      void Promise.resolve(this.behaviour(webhook, index)).then((answer) => {
        const send = () => {
          if (response.destroyed) return;
          response.writeHead(answer.status, answer.headers ?? {});
          response.end(answer.body ?? '');
        };
        if (answer.delayMs) setTimeout(send, answer.delayMs);
        else send();
      });
    });
  }

  private verify(body: string, headers: IncomingMessage['headers']): boolean {
    if (!this.secret) return false;
    try {
      new Webhook(this.secret).verify(body, headers as Record<string, string>);
      return true;
    } catch {
      return false;
    }
  }
}
