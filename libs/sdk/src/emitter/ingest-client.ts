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
   * One ingest call, no retry, classified as accepted, retry or rejected. The outbox relay uses it to
   * schedule retries in the database rather than in memory.
   *
   * @example
   * const attempt = await idem.attemptSend(app, message, key);
   * if (attempt.outcome === 'retry') scheduleLater(attempt.retryAfterMs);
   */
  async attemptSend(app: string, message: MessageIn, idempotencyKey: string): Promise<IngestAttempt> {
    let response: Response;
    let text: string;
    try {
      response = await fetch(`${this.baseUrl}/api/v1/app/${encodeURIComponent(app)}/msg`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${this.options.token}`,
          'content-type': 'application/json',
          accept: 'application/json',
          'idempotency-key': idempotencyKey,
        },
        body: JSON.stringify({ ...message, eventId: message.eventId ?? idempotencyKey }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      return { outcome: 'retry', detail: `request failed: ${(error as Error).message}` };
    }
    let body: unknown;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      body = undefined;
    }
    return classify(response.status, response.headers, body, text);
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
