import { DedupStore } from './dedup-store';
import { InboxRun, isTransactionalInbox, TransactionalInbox } from './transactional-inbox';
import { readHeader, Webhook, WebhookHeaders, WebhookSecret, WebhookVerificationError, WebhookVerificationFailure } from './webhook';

/** The response header that marks a delivery acknowledged as a duplicate. */
export const DUPLICATE_HEADER = 'idem-duplicate';

/**
 * The response header (with a 2xx or 409) that tells Idem the receiver refused the delivery as older
 * than what it holds: Idem ends the delivery `stale`, resolved and never retried, not a failure.
 */
export const OUTCOME_HEADER = 'webhook-outcome';
export const STALE_OUTCOME = 'stale';
/** With a 4xx: the receiver refuses the message for good. Idem does not retry it, and a saga step it belongs to fails. */
export const REJECTED_OUTCOME = 'rejected';

/**
 * Throw it from a handler to refuse a delivery for good, on purpose: the answer is a 422 with
 * `webhook-outcome: rejected`, which Idem does not retry (a saga then compensates its earlier steps).
 * The handler's writes roll back with the inbox's record, so nothing of it is applied. Any other error is
 * a crash: answered 500, and retried.
 *
 * @example
 * await receiver.receive(incoming, async (delivery, client) => {
 *   if (!(await hasStock(client, delivery.payload.sku))) throw new PermanentRejection('out of stock');
 *   await reserve(client, delivery.payload.sku);
 * });
 */
export class PermanentRejection extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'PermanentRejection';
  }
}

/** Request headers Idem sends with messages whose event type names their entity: `<entity>:<id, percent-encoded>`, and its version. */
export const ENTITY_HEADER = 'idem-entity';
export const ENTITY_VERSION_HEADER = 'idem-entity-version';

/** The entity a delivery is about, as Idem named it in its headers. */
export interface DeliveredEntity {
  /** `<entity>:<id>`: a key for `applyIfNewer`. */
  readonly key: string;
  readonly name: string;
  readonly id: string;
  /** Absent for a delta whose event type names no version. */
  readonly version?: bigint;
}

/** A delivery as it arrived: the raw body, byte for byte, and the request headers. */
export interface IncomingWebhook {
  body: string | Buffer | Uint8Array;
  headers: WebhookHeaders;
}

/** A verified delivery, as your handler sees it. */
export interface WebhookDelivery<Payload = any> {
  /** `webhook-id`: the message id, the same on every attempt. The dedup key. */
  readonly id: string;
  /** When this attempt was signed. */
  readonly timestamp: Date;
  /** The body parsed as JSON (`undefined` for an empty body). */
  readonly payload: Payload;
  /** The body as received. */
  readonly rawBody: Buffer;
  /** The entity the message is about, when its event type has a retry-safety contract (`idem-entity` headers). */
  readonly entity?: DeliveredEntity;
}

/** Your code for a delivery. With `PostgresInbox` it gets the inbox's transaction as the second argument. */
export type WebhookHandler<Tx, Result = unknown> = (delivery: WebhookDelivery, transaction: Tx) => Promise<Result> | Result;

/** Why a delivery was refused before the handler ran. */
export type WebhookRejection = WebhookVerificationFailure | 'malformed_payload';

/** What the receiver did with a delivery. */
export type WebhookOutcome<Result = unknown> =
  /**
   * The handler ran. In observe mode `observed` says it was a duplicate that enforce mode would have
   * skipped. `stale`: it returned a version guard's refusal (`{applied: false}`), so the answer tells
   * Idem the delivery was stale.
   */
  | { readonly kind: 'processed'; readonly delivery: WebhookDelivery; readonly result: Result; readonly observed?: 'duplicate' | 'in_flight'; readonly stale?: true }
  /** Processed before: acknowledged without running the handler. */
  | { readonly kind: 'duplicate'; readonly delivery: WebhookDelivery }
  /** Another delivery of this message is being processed: answer 409 so the sender retries later. */
  | { readonly kind: 'in_flight'; readonly delivery: WebhookDelivery }
  /** Failed verification (401) or malformed (400). */
  | { readonly kind: 'rejected'; readonly status: 400 | 401; readonly reason: WebhookRejection; readonly message: string }
  /** The handler threw a `PermanentRejection`: answered 422 with `webhook-outcome: rejected`, never retried. */
  | { readonly kind: 'refused'; readonly delivery: WebhookDelivery; readonly reason: string };

/** A response any HTTP framework can send. */
export interface WebhookResponse {
  status: number;
  headers: Record<string, string>;
  /** JSON text. */
  body: string;
  outcome: WebhookOutcome['kind'] | 'failed';
  /** What the handler threw, when `outcome` is `'failed'`. */
  error?: unknown;
}

/** `enforce` skips duplicates; `observe` reports them but still runs the handler. */
export type ReceiverMode = 'enforce' | 'observe';

/** A duplicate the receiver saw, handed to `onDuplicate`. */
export interface DuplicateDelivery {
  readonly delivery: WebhookDelivery;
  /** `duplicate`: processed before; `in_flight`: arrived while another delivery was being processed. */
  readonly kind: 'duplicate' | 'in_flight';
  /** The mode the receiver ran in: in `observe` the handler ran anyway. */
  readonly mode: ReceiverMode;
}

/** Running counts, for metrics. */
export interface ReceiverCounters {
  processed: number;
  duplicates: number;
  inFlight: number;
  rejected: number;
  /** Handlers that threw a `PermanentRejection`. */
  refused: number;
  failed: number;
}

export interface WebhookReceiverOptions<Tx> {
  /** The endpoint's secret(s): `whsec_...` or `whpk_...`; list several while rotating. */
  secret: WebhookSecret | readonly WebhookSecret[];
  /** Where processed ids are kept: a `DedupStore`, or a `PostgresInbox` for the atomic mode. */
  store: DedupStore | TransactionalInbox<Tx>;
  /** Default `'enforce'`. Start a retrofit in `'observe'`; see the README's rollout. */
  mode?: ReceiverMode;
  /** Called for every duplicate, in either mode. */
  onDuplicate?: (duplicate: DuplicateDelivery) => void;
  /** Signature timestamp tolerance. Default 300 seconds. */
  toleranceInSeconds?: number;
  /** `Retry-After` on a 409 for a message in flight. Default 5 seconds. */
  inFlightRetryAfterSeconds?: number;
}

const malformedChecks: ReadonlySet<WebhookRejection> = new Set(['missing_headers', 'invalid_timestamp', 'malformed_payload']);
const emptyBody = Buffer.alloc(0);

function asBuffer(body: string | Buffer | Uint8Array): Buffer {
  if (typeof body === 'string') return Buffer.from(body);
  return Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

function parsePayload(rawBody: Buffer): { payload: unknown } | undefined {
  if (rawBody.length === 0) return { payload: undefined };
  try {
    return { payload: JSON.parse(rawBody.toString()) };
  } catch {
    return undefined;
  }
}

/**
 * The receiving side in one object: verify the signature on the raw body, claim the message id, run your
 * handler at most once, and say which HTTP response the sender should get. Framework-free: the Express
 * middleware and the NestJS interceptor are thin adapters over it.
 *
 * @example
 * const receiver = new WebhookReceiver({ secret: process.env.WEBHOOK_SECRET!, store: new RedisDedupStore(redis) });
 * http.createServer(async (req, res) => {
 *   const body = Buffer.concat(await req.toArray());
 *   const response = await receiver.receive({ body, headers: req.headers }, (delivery) => fulfil(delivery.payload));
 *   res.writeHead(response.status, response.headers).end(response.body);
 * });
 */
export class WebhookReceiver<Tx = undefined> {
  /** Running counts of what the receiver did. */
  readonly counters: ReceiverCounters = { processed: 0, duplicates: 0, inFlight: 0, rejected: 0, refused: 0, failed: 0 };
  private readonly webhook: Webhook;
  private readonly mode: ReceiverMode;
  private readonly runOnce: <T>(messageId: string, work: (transaction: Tx) => Promise<T>) => Promise<InboxRun<T>>;

  constructor(private readonly options: WebhookReceiverOptions<Tx>) {
    this.webhook = new Webhook(options.secret, { toleranceInSeconds: options.toleranceInSeconds });
    this.mode = options.mode ?? 'enforce';
    const store = options.store;
    const observe = this.mode === 'observe';
    this.runOnce = isTransactionalInbox(store)
      ? (messageId, work) => (store as TransactionalInbox<Tx>).runOnce(messageId, work, { observe })
      : (messageId, work) => runWithDedupStore(store as DedupStore, messageId, observe, () => work(undefined as Tx));
  }

  /**
   * Verifies, deduplicates and runs `handler`, and answers with the HTTP response to send:
   * 200 processed, 200 duplicate (with `Idem-Duplicate: true`), 409 in flight, 401 bad signature,
   * 400 malformed, 500 when the handler threw (the message is released, so the sender's retry runs it).
   *
   * @example
   * const response = await receiver.receive({ body: rawBody, headers }, async (delivery) => {
   *   await ship(delivery.payload.orderId);
   * });
   * send(response.status, response.headers, response.body);
   */
  async receive<Result>(incoming: IncomingWebhook, handler: WebhookHandler<Tx, Result>): Promise<WebhookResponse> {
    try {
      return webhookResponseFor(await this.process(incoming, handler), this.options.inFlightRetryAfterSeconds);
    } catch (error) {
      return { status: 500, headers: jsonHeaders, body: JSON.stringify({ status: 'failed' }), outcome: 'failed', error };
    }
  }

  /**
   * Like `receive`, but returns the outcome (with the handler's result) and lets the handler's error
   * propagate, for adapters that shape their own response.
   *
   * @example
   * const outcome = await receiver.process({ body, headers }, handler);
   * if (outcome.kind === 'in_flight') reply.code(409);
   */
  async process<Result>(incoming: IncomingWebhook, handler: WebhookHandler<Tx, Result>): Promise<WebhookOutcome<Result>> {
    const rawBody = incoming.body === undefined ? emptyBody : asBuffer(incoming.body);
    let delivery: WebhookDelivery;
    try {
      const signed = this.webhook.verifySignature(rawBody, incoming.headers);
      const parsed = parsePayload(rawBody);
      if (parsed === undefined) return this.reject('malformed_payload', 'Body is not valid JSON');
      delivery = { id: signed.id, timestamp: signed.timestamp, payload: parsed.payload, rawBody, ...entityOf(incoming.headers) };
    } catch (error) {
      if (error instanceof WebhookVerificationError) return this.reject(error.reason, error.message);
      throw error;
    }

    let run: InboxRun<Result>;
    try {
      run = await this.runOnce(delivery.id, async (transaction) => handler(delivery, transaction));
    } catch (error) {
      if (error instanceof PermanentRejection) {
        this.counters.refused++;
        return { kind: 'refused', delivery, reason: error.reason };
      }
      this.counters.failed++;
      throw error;
    }
    if (run.status === 'processed') {
      this.counters.processed++;
      if (run.observed !== undefined) this.noteDuplicate(delivery, run.observed);
      return { kind: 'processed', delivery, result: run.result, observed: run.observed, ...(isRefusedApply(run.result) ? { stale: true as const } : {}) };
    }
    this.noteDuplicate(delivery, run.status);
    return { kind: run.status, delivery };
  }

  private reject(reason: WebhookRejection, message: string): WebhookOutcome<never> {
    this.counters.rejected++;
    return { kind: 'rejected', status: malformedChecks.has(reason) ? 400 : 401, reason, message };
  }

  private noteDuplicate(delivery: WebhookDelivery, kind: 'duplicate' | 'in_flight'): void {
    if (kind === 'duplicate') this.counters.duplicates++;
    else this.counters.inFlight++;
    this.options.onDuplicate?.({ delivery, kind, mode: this.mode });
  }
}

async function runWithDedupStore<T>(store: DedupStore, messageId: string, observe: boolean, work: () => Promise<T>): Promise<InboxRun<T>> {
  const claim = await store.claim(messageId);
  if (claim.status !== 'claimed') {
    return observe ? { status: 'processed', result: await work(), observed: claim.status } : { status: claim.status };
  }
  let result: T;
  try {
    result = await work();
  } catch (error) {
    // The handler's error is the one worth reporting; a claim that cannot be released expires with its lease.
    await store.release(messageId, claim.token).catch(() => undefined);
    throw error;
  }
  await store.complete(messageId, claim.token);
  return { status: 'processed', result };
}

const jsonHeaders = { 'content-type': 'application/json' };

/** A version guard's "the stored version was the same or newer": what a handler returns from `applyIfNewer` when nothing ran. */
function isRefusedApply(result: unknown): boolean {
  return typeof result === 'object' && result !== null && (result as { applied?: unknown }).applied === false && 'currentVersion' in result;
}

/** The `entity` of a delivery from Idem's `idem-entity` headers; nothing when they are absent or malformed. */
function entityOf(headers: WebhookHeaders): { entity?: DeliveredEntity } {
  const named = readHeader(headers, ENTITY_HEADER);
  const separator = named?.indexOf(':') ?? -1;
  if (!named || separator < 1) return {};
  let id: string;
  try {
    id = decodeURIComponent(named.slice(separator + 1));
  } catch {
    return {};
  }
  const name = named.slice(0, separator);
  const versionText = readHeader(headers, ENTITY_VERSION_HEADER);
  const version = versionText !== undefined && /^\d+$/.test(versionText) ? BigInt(versionText) : undefined;
  return { entity: { key: `${name}:${id}`, name, id, ...(version === undefined ? {} : { version }) } };
}

/**
 * The HTTP response for an outcome: 200 processed (with `webhook-outcome: stale` when the handler's
 * version guard refused it), 200 duplicate with `Idem-Duplicate: true`, 409 in
 * flight with `Retry-After`, 401 or 400 rejected.
 *
 * @example
 * const { status, headers, body } = webhookResponseFor(await receiver.process(incoming, handler));
 */
export function webhookResponseFor(outcome: WebhookOutcome, inFlightRetryAfterSeconds = 5): WebhookResponse {
  switch (outcome.kind) {
    case 'processed':
      if (outcome.stale) return { status: 200, headers: { ...jsonHeaders, [OUTCOME_HEADER]: STALE_OUTCOME }, body: '{"status":"stale"}', outcome: outcome.kind };
      return { status: 200, headers: jsonHeaders, body: '{"status":"processed"}', outcome: outcome.kind };
    case 'duplicate':
      return { status: 200, headers: { ...jsonHeaders, [DUPLICATE_HEADER]: 'true' }, body: '{"status":"duplicate"}', outcome: outcome.kind };
    case 'in_flight':
      return {
        status: 409,
        headers: { ...jsonHeaders, 'retry-after': String(inFlightRetryAfterSeconds) },
        body: '{"status":"in_flight"}',
        outcome: outcome.kind,
      };
    case 'refused':
      return {
        status: 422,
        headers: { ...jsonHeaders, [OUTCOME_HEADER]: REJECTED_OUTCOME },
        body: JSON.stringify({ status: 'refused', reason: outcome.reason }),
        outcome: outcome.kind,
      };
    case 'rejected':
      return {
        status: outcome.status,
        headers: jsonHeaders,
        body: JSON.stringify({ status: 'rejected', reason: outcome.reason, message: outcome.message }),
        outcome: outcome.kind,
      };
  }
}
