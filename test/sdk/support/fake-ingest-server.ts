import { randomUUID } from 'node:crypto';
import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface IngestRequest {
  /** The HTTP request it came in: messages of one batch create share it. */
  call: number;
  app: string;
  key: string | undefined;
  authorization: string | undefined;
  body: { eventType: string; payload: unknown; eventId?: string; channels?: string[] };
  at: number;
}

export interface ScriptedResponse {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

/**
 * Stands in for Idem's ingest endpoint and keeps its idempotency rules: the first request with a key is
 * accepted, a later identical one is a replay (202, `Idempotent-Replayed: true`), one arriving while the
 * first is still being handled gets 409 `idempotency_in_flight`. It counts what it accepted per key.
 * A batch create is taken message by message, each keyed by its eventId; a scripted 408, 429 or 5xx for
 * any of them answers the whole call (as a failed transaction would), storing none.
 */
export class FakeIngestServer {
  readonly requests: IngestRequest[] = [];
  readonly acceptedByKey = new Map<string, number>();
  replays = 0;
  /** Requests for a key that arrived while another request with that key was being handled. */
  overlaps = 0;
  /** Return a response to answer a request yourself; `undefined` lets the fake's rules answer. */
  script: ((request: IngestRequest) => ScriptedResponse | undefined) | undefined;
  private readonly inFlight = new Set<string>();
  private readonly stored = new Map<string, { body: string; message: unknown }>();
  private server: Server | undefined;

  constructor(private readonly options: { delayMs?: number } = {}) {}

  get url(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      void this.answer(req).then(({ status, headers, body }) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(body === undefined ? '' : JSON.stringify(body));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  private calls = 0;

  private async answer(req: IncomingMessage): Promise<ScriptedResponse> {
    const text = Buffer.concat(await req.toArray()).toString();
    const [, app, batch] = /^\/api\/v1\/app\/([^/]+)\/msg(\/batch)?$/.exec(req.url ?? '') ?? [];
    const call = ++this.calls;
    const base = { call, app: decodeURIComponent(app ?? ''), authorization: req.headers.authorization, at: Date.now() };
    if (!batch) {
      const request: IngestRequest = { ...base, key: req.headers['idempotency-key'] as string | undefined, body: JSON.parse(text) };
      this.requests.push(request);
      return this.script?.(request) ?? (await this.accept(request, text));
    }
    const messages = (JSON.parse(text) as { messages: IngestRequest['body'][] }).messages;
    const requests = messages.map((body) => ({ ...base, key: body.eventId, body }));
    this.requests.push(...requests);
    const scripted = requests.map((request) => this.script?.(request));
    const whole = scripted.find((response) => response !== undefined && (response.status === 408 || response.status === 429 || response.status >= 500));
    if (whole) return whole;
    const data = [];
    for (const [index, request] of requests.entries()) {
      const answer = scripted[index] ?? (await this.accept(request, JSON.stringify(request.body)));
      data.push(answer.status < 300 ? { status: answer.status, message: answer.body } : { status: answer.status, error: answer.body });
    }
    return { status: 202, body: { data } };
  }

  private async accept(request: IngestRequest, text: string): Promise<ScriptedResponse> {
    const { key } = request;
    if (key === undefined) return { status: 422, body: { code: 'validation', detail: 'Idempotency-Key required by this fake' } };

    if (this.inFlight.has(key)) {
      this.overlaps++;
      return { status: 409, body: { code: 'idempotency_in_flight', detail: 'in flight' } };
    }
    const earlier = this.stored.get(key);
    if (earlier !== undefined) {
      if (earlier.body !== text) return { status: 422, body: { code: 'idempotency_mismatch', detail: 'different body' } };
      this.replays++;
      return { status: 202, headers: { 'idempotent-replayed': 'true' }, body: earlier.message };
    }
    this.inFlight.add(key);
    try {
      if (this.options.delayMs) await sleep(this.options.delayMs);
      const message = { id: `msg_${randomUUID()}`, ...request.body, timestamp: new Date().toISOString() };
      this.stored.set(key, { body: text, message });
      this.acceptedByKey.set(key, (this.acceptedByKey.get(key) ?? 0) + 1);
      return { status: 202, body: message };
    } finally {
      this.inFlight.delete(key);
    }
  }
}
