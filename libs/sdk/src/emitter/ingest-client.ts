import { setTimeout as sleep } from 'node:timers/promises';
import { parseRetryAfter, RetryPolicy, RetryPolicyOptions } from './retry-policy';

/** A message to send: the body of Idem's (and Svix's) `POST /api/v1/app/{app}/msg`. */
export interface MessageIn {
  eventType: string;
  payload: Record<string, unknown>;
  /** Idem rejects a second message with this id and another body. Defaults to the idempotency key. */
  eventId?: string;
  channels?: string[];
}

/** The message as Idem stored it. */
export interface MessageOut {
  id: string;
  eventType: string;
  payload: Record<string, unknown>;
  eventId: string | null;
  channels: string[] | null;
  timestamp: string;
}

/** One step of a saga (Idem extension): its message, and the message that undoes it if a later step fails. */
export interface SagaStepIn {
  /** Unique in the saga: with the saga's id it names the step's message. */
  name: string;
  eventType: string;
  payload: Record<string, unknown>;
  /** Routed as a message's channels: only endpoints without channels, or with one of these, get it. */
  channels?: string[];
  compensation: { eventType: string; payload: Record<string, unknown>; channels?: string[] };
}

/** A saga to start: the body of Idem's `POST /api/v1/app/{app}/saga`. */
export interface SagaIn {
  /** Minted at the source event, like an idempotency key (`mintIdempotencyKey`): the same id again is the same saga. */
  sagaId: string;
  steps: SagaStepIn[];
}

/** The saga as Idem holds it (the fields a producer needs; `GET` it for its steps' messages). */
export interface SagaOut {
  id: string;
  sagaId: string;
  status: 'running' | 'compensating' | 'completed' | 'compensated' | 'compensation_failed';
}

/** One saga create call, classified as ingest calls are; accepted, it holds the saga (`replayed`: Idem had it already). */
export type SagaAttempt = { readonly outcome: 'accepted'; readonly saga: SagaOut; readonly replayed: boolean } | Exclude<IngestAttempt, { outcome: 'accepted' }>;

/** One ingest call, classified. */
export type IngestAttempt =
  /** 2xx: Idem has the message. `replayed`: it had it already, from an earlier attempt with this key. */
  | { readonly outcome: 'accepted'; readonly message: MessageOut; readonly replayed: boolean }
  /** Worth trying again later: network error, timeout, 408, 429, 5xx, or a 409 for a key still in flight. */
  | { readonly outcome: 'retry'; readonly status?: number; readonly code?: string; readonly retryAfterMs?: number; readonly detail: string }
  /** Will not succeed if repeated: 4xx such as 401, 422, or a 409 for an event id already used with another body. */
  | { readonly outcome: 'rejected'; readonly status: number; readonly code?: string; readonly detail: string };

/**
 * The ingest call failed for good: rejected (`permanent`), or still failing when the retries ran out.
 *
 * @example
 * catch (e) { if (e instanceof IdemIngestError && e.permanent) alertOnCall(e.detail); }
 */
export class IdemIngestError extends Error {
  override readonly name = 'IdemIngestError';

  constructor(
    readonly attempt: Exclude<IngestAttempt, { outcome: 'accepted' }>,
    readonly attempts: number,
  ) {
    super(`Idem ingest ${attempt.outcome === 'rejected' ? 'rejected the message' : `still failing after ${attempts} attempts`}: ${attempt.detail}`);
  }

  /** True when repeating the same request cannot succeed. */
  get permanent(): boolean {
    return this.attempt.outcome === 'rejected';
  }

  get status(): number | undefined {
    return this.attempt.status;
  }

  get code(): string | undefined {
    return this.attempt.code;
  }
}

export interface IdemClientOptions {
  /** Where Idem's API answers, e.g. `https://idem.internal`. */
  baseUrl: string;
  /** An API token; sent as `Authorization: Bearer <token>`. */
  token: string;
  /** Backoff for `sendMessage`. Defaults: 500 ms base, 30 s cap, 6 attempts. */
  retry?: RetryPolicyOptions;
  /** Per request. Default 10 s. */
  timeoutMs?: number;
  /** `sendMessage` gives up rather than wait out a longer `Retry-After`. Default 60 s. */
  maxRetryAfterMs?: number;
}

/** What `sendMessage` returns. */
export interface SentMessage {
  message: MessageOut;
  /** Idem had the message already (an earlier attempt got through). */
  replayed: boolean;
  /** Attempts it took, the first included. */
  attempts: number;
}

/** One message of a batch, with the idempotency key minted at its source event. */
export interface BatchMessage {
  message: MessageIn;
  idempotencyKey: string;
}

/** Idem's batch create takes at most this many messages; `sendMessages` splits longer lists. */
export const MAX_BATCH_MESSAGES = 1000;

// The in-flight case of a 409 is retried; any other 409 means the event id came with a different body.
const IN_FLIGHT_CODE = 'idempotency_in_flight';

function errorCodeOf(body: unknown): string | undefined {
  const code = (body as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function describe(status: number, body: unknown, text: string): string {
  const detail = (body as { detail?: unknown } | null)?.detail;
  const summary = typeof detail === 'string' ? detail : text.slice(0, 300);
  return `${status}${errorCodeOf(body) ? ` ${errorCodeOf(body)}` : ''}${summary ? `: ${summary}` : ''}`;
}

/**
 * A typed client for Idem's ingest call, for producers without an outbox. Every send carries an
 * idempotency key (mint it with `mintIdempotencyKey` at the source event), so retrying is safe: the key
 * goes as `Idempotency-Key` and, unless you set one, as the `eventId`.
 *
 * @example
 * const idem = new IdemClient({ baseUrl: 'https://idem.internal', token: process.env.IDEM_TOKEN! });
 * await idem.sendMessage('app_billing', { eventType: 'invoice.paid', payload: { invoiceId } }, {
 *   idempotencyKey: mintIdempotencyKey({ source: 'billing', entity: `invoice:${invoiceId}`, version }),
 * });
 */
export class IdemClient {
  private readonly baseUrl: string;
  private readonly retryPolicy: RetryPolicy;
  private readonly timeoutMs: number;
  private readonly maxRetryAfterMs: number;

  constructor(private readonly options: IdemClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.retryPolicy = new RetryPolicy(options.retry);
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? 60_000;
  }

  /**
   * Sends a message, retrying transient failures with exponential backoff and full jitter, and waiting
   * out `Retry-After`. Resolves once Idem has the message (a replay counts); throws `IdemIngestError`.
   *
   * @example
   * const { message, replayed } = await idem.sendMessage(app, { eventType, payload }, { idempotencyKey });
   */
  async sendMessage(app: string, message: MessageIn, options: { idempotencyKey: string; signal?: AbortSignal }): Promise<SentMessage> {
    for (let attempts = 1; ; attempts++) {
      const attempt = await this.attemptSend(app, message, options.idempotencyKey);
      if (attempt.outcome === 'accepted') return { message: attempt.message, replayed: attempt.replayed, attempts };
      if (attempt.outcome === 'rejected' || !this.retryPolicy.allowsAnotherAttempt(attempts)) throw new IdemIngestError(attempt, attempts);
      if (attempt.retryAfterMs !== undefined && attempt.retryAfterMs > this.maxRetryAfterMs) throw new IdemIngestError(attempt, attempts);
      await sleep(this.retryPolicy.delayBeforeRetry(attempts, attempt.retryAfterMs), undefined, { signal: options.signal });
    }
  }

  /**
   * Sends many messages to one application with Idem's batch create (`POST /api/v1/app/{app}/msg/batch`),
   * 1,000 per request, each message's key as its `eventId` (so a resend is answered with the message
   * Idem already has). A request that fails as a whole for a transient reason is retried as
   * `sendMessage` retries. Resolves with one result per message, in order: accepted, or rejected with
   * Idem's reason (a 422 or a 409 for an eventId used with another body).
   *
   * @example
   * const results = await idem.sendMessages('app_billing', invoices.map((invoice) => ({
   *   message: { eventType: 'invoice.paid', payload: invoice },
   *   idempotencyKey: mintIdempotencyKey({ source: 'billing', entity: `invoice:${invoice.id}`, version: invoice.version }),
   * })));
   * const refused = results.filter((result) => result.outcome === 'rejected');
   */
  async sendMessages(app: string, messages: readonly BatchMessage[], options: { signal?: AbortSignal } = {}): Promise<IngestAttempt[]> {
    const results: IngestAttempt[] = [];
    for (let start = 0; start < messages.length; start += MAX_BATCH_MESSAGES) {
      const chunk = messages.slice(start, start + MAX_BATCH_MESSAGES);
      for (let attempts = 1; ; attempts++) {
        const attempted = await this.attemptSendBatch(app, chunk);
        const whole = attempted.every((attempt) => attempt === attempted[0]) ? attempted[0] : undefined;
        if (!whole || whole.outcome !== 'retry') {
          results.push(...attempted);
          break;
        }
        if (!this.retryPolicy.allowsAnotherAttempt(attempts) || (whole.retryAfterMs !== undefined && whole.retryAfterMs > this.maxRetryAfterMs)) {
          throw new IdemIngestError(whole, attempts);
        }
        await sleep(this.retryPolicy.delayBeforeRetry(attempts, whole.retryAfterMs), undefined, { signal: options.signal });
      }
    }
    return results;
  }

  /**
   * One batch create call (at most 1,000 messages), no retry: one classified attempt per message. When
   * the call fails as a whole (network, 429, 5xx, ...), every message gets that same attempt.
   *
   * @example
   * const attempts = await idem.attemptSendBatch(app, rows.map((row) => ({ message: row.message, idempotencyKey: row.key })));
   */
  async attemptSendBatch(app: string, messages: readonly BatchMessage[]): Promise<IngestAttempt[]> {
    if (messages.length === 0) return [];
    const call = await this.post(`/api/v1/app/${encodeURIComponent(app)}/msg/batch`, {
      messages: messages.map(({ message, idempotencyKey }) => ({ ...message, eventId: message.eventId ?? idempotencyKey })),
    });
    if (call.kind === 'failed') return messages.map(() => call.attempt);
    const { status, headers, body, text } = call;
    const items = (body as { data?: { status: number; message?: MessageOut; error?: unknown }[] } | undefined)?.data;
    if (status < 200 || status >= 300 || !Array.isArray(items) || items.length !== messages.length) {
      const attempt = classify(status >= 200 && status < 300 ? 502 : status, headers, body, text);
      return messages.map(() => attempt);
    }
    return items.map((item) =>
      item.status >= 200 && item.status < 300 ? { outcome: 'accepted', message: item.message!, replayed: false } : classify(item.status, new Headers(), item.error, ''),
    );
  }

  /**
   * One ingest call, no retry, classified as accepted, retry or rejected. The outbox relay uses it to
   * schedule retries in the database rather than in memory.
   *
   * @example
   * const attempt = await idem.attemptSend(app, message, key);
   * if (attempt.outcome === 'retry') scheduleLater(attempt.retryAfterMs);
   */
  async attemptSend(app: string, message: MessageIn, idempotencyKey: string): Promise<IngestAttempt> {
    const call = await this.post(`/api/v1/app/${encodeURIComponent(app)}/msg`, { ...message, eventId: message.eventId ?? idempotencyKey }, idempotencyKey);
    if (call.kind === 'failed') return call.attempt;
    return classify(call.status, call.headers, call.body, call.text);
  }

  /**
   * Starts a saga, retrying transient failures as `sendMessage` does. The `sagaId` makes every retry the
   * same saga: Idem answers a repeat with the saga it has. Throws `IdemIngestError` (a 422 for a step whose
   * event type is not in the catalog or that no endpoint subscribes to, a 409 for a `sagaId` used with other steps).
   *
   * @example
   * const { saga } = await idem.startSaga('app_shop', {
   *   sagaId: mintIdempotencyKey({ source: 'shop', entity: `order:${order.id}`, version: order.version }),
   *   steps: [{ name: 'reserve', eventType: 'stock.reserve', payload: { orderId: order.id }, compensation: { eventType: 'stock.release', payload: { orderId: order.id } } }],
   * });
   */
  async startSaga(app: string, saga: SagaIn, options: { signal?: AbortSignal } = {}): Promise<{ saga: SagaOut; replayed: boolean; attempts: number }> {
    for (let attempts = 1; ; attempts++) {
      const attempt = await this.attemptStartSaga(app, saga);
      if (attempt.outcome === 'accepted') return { saga: attempt.saga, replayed: attempt.replayed, attempts };
      if (attempt.outcome === 'rejected' || !this.retryPolicy.allowsAnotherAttempt(attempts)) throw new IdemIngestError(attempt, attempts);
      if (attempt.retryAfterMs !== undefined && attempt.retryAfterMs > this.maxRetryAfterMs) throw new IdemIngestError(attempt, attempts);
      await sleep(this.retryPolicy.delayBeforeRetry(attempts, attempt.retryAfterMs), undefined, { signal: options.signal });
    }
  }

  /** One saga create call, no retry, classified; the outbox relay ships sagas with it. */
  async attemptStartSaga(app: string, saga: SagaIn): Promise<SagaAttempt> {
    const call = await this.post(`/api/v1/app/${encodeURIComponent(app)}/saga`, saga);
    if (call.kind === 'failed') return call.attempt;
    const attempt = classify(call.status, call.headers, call.body, call.text);
    if (attempt.outcome !== 'accepted') return attempt;
    // 201 created it; 200 is the saga this sagaId already named.
    return { outcome: 'accepted', saga: call.body as SagaOut, replayed: call.status === 200 };
  }

  private async post(
    path: string,
    body: unknown,
    idempotencyKey?: string,
  ): Promise<{ kind: 'answered'; status: number; headers: Headers; body: unknown; text: string } | { kind: 'failed'; attempt: Exclude<IngestAttempt, { outcome: 'accepted' }> }> {
    let response: Response;
    let text: string;
    try {
      response = await fetch(this.baseUrl + path, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${this.options.token}`,
          'content-type': 'application/json',
          accept: 'application/json',
          ...(idempotencyKey === undefined ? {} : { 'idempotency-key': idempotencyKey }),
        },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      return { kind: 'failed', attempt: { outcome: 'retry', detail: `request failed: ${(error as Error).message}` } };
    }
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    return { kind: 'answered', status: response.status, headers: response.headers, body: parsed, text };
  }
}

function classify(status: number, headers: Headers, body: unknown, text: string): IngestAttempt {
  if (status >= 200 && status < 300) {
    return { outcome: 'accepted', message: body as MessageOut, replayed: headers.get('idempotent-replayed') === 'true' };
  }
  const code = errorCodeOf(body);
  const detail = describe(status, body, text);
  const retryAfterMs = parseRetryAfter(headers.get('retry-after'));
  if (status === 409) {
    return code === IN_FLIGHT_CODE ? { outcome: 'retry', status, code, retryAfterMs, detail } : { outcome: 'rejected', status, code, detail };
  }
  if (status === 408 || status === 429 || status >= 500) return { outcome: 'retry', status, code, retryAfterMs, detail };
  return { outcome: 'rejected', status, code, detail };
}
