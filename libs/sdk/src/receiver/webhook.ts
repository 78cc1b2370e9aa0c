import { createHmac, createPublicKey, KeyObject, timingSafeEqual, verify as verifyEd25519 } from 'node:crypto';

const DEFAULT_TOLERANCE_IN_SECONDS = 5 * 60;
const SECRET_PREFIX = 'whsec_';
const PUBLIC_KEY_PREFIX = 'whpk_';
const HMAC_SHA256_BYTES = 32;
const ED25519_SIGNATURE_BYTES = 64;
const ED25519_PUBLIC_KEY_BYTES = 32;
// DER header of an Ed25519 SubjectPublicKeyInfo; followed by the 32 raw key bytes it makes a key node:crypto accepts.
const ED25519_SPKI_HEADER = Buffer.from('302a300506032b6570032100', 'hex');

/** Which check a delivery failed. */
export type WebhookVerificationFailure =
  | 'missing_headers'
  | 'invalid_timestamp'
  | 'timestamp_too_old'
  | 'timestamp_too_new'
  | 'no_matching_signature';

// The messages are those of the `standardwebhooks` library, so code that matched on them keeps working.
const failureMessages: Record<WebhookVerificationFailure, string> = {
  missing_headers: 'Missing required headers',
  invalid_timestamp: 'Invalid Signature Headers',
  timestamp_too_old: 'Message timestamp too old',
  timestamp_too_new: 'Message timestamp too new',
  no_matching_signature: 'No matching signature found',
};

/**
 * Thrown when a delivery fails verification; `reason` says which check failed.
 *
 * @example
 * try { wh.verify(body, headers); } catch (e) {
 *   if (e instanceof WebhookVerificationError) console.warn(e.reason); // e.g. 'timestamp_too_old'
 * }
 */
export class WebhookVerificationError extends Error {
  override readonly name = 'WebhookVerificationError';

  constructor(readonly reason: WebhookVerificationFailure) {
    super(failureMessages[reason]);
  }
}

/** A signing secret (`whsec_...`, or raw bytes with `format: 'raw'`) or an Ed25519 public key (`whpk_...`). */
export type WebhookSecret = string | Uint8Array;

export interface WebhookOptions {
  /** `'raw'`: the secret is the key itself, not base64. */
  format?: 'raw';
  /** How far a timestamp may be from now, either way. Default 300 (5 minutes). */
  toleranceInSeconds?: number;
}

export interface VerifyOptions {
  /** Parse the payload as JSON and return it (the default), or return `undefined`. */
  jsonParse?: boolean;
}

/** The three headers a signed delivery carries (also accepted with the `svix-` prefix). */
export interface WebhookRequiredHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/** Node's `req.headers`, a plain object with any casing, or a Fetch API `Headers`. */
export type WebhookHeaders =
  | WebhookRequiredHeaders
  | Record<string, string | string[] | undefined>
  | { get(name: string): string | null };

/** What a valid signature proves: who sent the message and when this attempt was signed. */
export interface SignedMessage {
  /** `webhook-id`: the message id, the same on every delivery attempt. */
  readonly id: string;
  /** `webhook-timestamp`: when this attempt was signed. Retries are re-signed, so it differs per attempt. */
  readonly timestamp: Date;
}

/** A request header by its lower-case name, from any of the shapes frameworks hand over. */
export function readHeader(headers: WebhookHeaders, name: string): string | undefined {
  if (typeof (headers as { get?: unknown }).get === 'function') {
    return (headers as { get(name: string): string | null }).get(name) ?? undefined;
  }
  const record = headers as Record<string, string | string[] | undefined>;
  let value = record[name];
  if (value === undefined) {
    const key = Object.keys(record).find((candidate) => candidate.toLowerCase() === name);
    value = key === undefined ? undefined : record[key];
  }
  return Array.isArray(value) ? value.join(' ') : value;
}

function readSignedHeader(headers: WebhookHeaders, suffix: string): string | undefined {
  return readHeader(headers, `webhook-${suffix}`) || readHeader(headers, `svix-${suffix}`);
}

function payloadBytes(payload: string | Uint8Array): string | Uint8Array {
  if (typeof payload === 'string' || payload instanceof Uint8Array) return payload;
  throw new Error('Expected payload to be of type string or Buffer.');
}

/**
 * Verifies Standard Webhooks signatures. A drop-in for the `standardwebhooks` library's `Webhook`:
 * same constructor, same `verify(payload, headers)` and `sign(...)`, same error messages, and it also
 * accepts `svix-*` headers, Ed25519 `v1a` signatures checked with `whpk_` public keys, and several
 * secrets at once while one is rotated out.
 *
 * Verify the raw body as received: a body parsed and re-serialised will not match its signature.
 *
 * @example
 * const wh = new Webhook(['whsec_NEW...', 'whsec_OLD...']);
 * const payload = wh.verify(rawBody, req.headers); // throws WebhookVerificationError
 */
export class Webhook {
  private readonly hmacKeys: Buffer[] = [];
  private readonly publicKeys: KeyObject[] = [];
  private readonly toleranceInSeconds: number;

  constructor(secret: WebhookSecret | readonly WebhookSecret[], options: WebhookOptions = {}) {
    const secrets = Array.isArray(secret) ? (secret as readonly WebhookSecret[]) : [secret as WebhookSecret];
    if (secrets.length === 0) throw new Error("Secret can't be empty.");
    for (const each of secrets) this.addSecret(each, options.format);
    this.toleranceInSeconds = options.toleranceInSeconds ?? DEFAULT_TOLERANCE_IN_SECONDS;
  }

  /**
   * Verifies a delivery and returns its payload parsed as JSON (or `undefined` for an empty body or
   * `jsonParse: false`), exactly as `standardwebhooks` does.
   *
   * @example
   * const event = wh.verify(req.body, req.headers) as { type: string };
   */
  verify(payload: string | Buffer | Uint8Array, headers: WebhookHeaders, options: VerifyOptions = {}): unknown {
    this.verifySignature(payload, headers);
    const text = typeof payload === 'string' ? payload : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString();
    if (text === '' || options.jsonParse === false) return undefined;
    return JSON.parse(text);
  }

  /**
   * Checks the headers, the timestamp and the signature without parsing the payload, and returns the
   * message id and timestamp. Throws `WebhookVerificationError`.
   *
   * @example
   * const { id } = wh.verifySignature(rawBody, req.headers);
   */
  verifySignature(payload: string | Buffer | Uint8Array, headers: WebhookHeaders): SignedMessage {
    const bytes = payloadBytes(payload);
    const id = readSignedHeader(headers, 'id');
    const timestampHeader = readSignedHeader(headers, 'timestamp');
    const signatureHeader = readSignedHeader(headers, 'signature');
    if (!id || !timestampHeader || !signatureHeader) throw new WebhookVerificationError('missing_headers');

    const timestamp = this.checkTimestamp(timestampHeader);
    const signedContent = `${id}.${timestamp}.`;
    let hmacs: Buffer[] | undefined;

    for (const versioned of signatureHeader.split(' ')) {
      const comma = versioned.indexOf(',');
      if (comma < 0) continue;
      const version = versioned.slice(0, comma);
      const signature = Buffer.from(versioned.slice(comma + 1), 'base64');
      if (version === 'v1' && signature.length === HMAC_SHA256_BYTES) {
        hmacs ??= this.hmacKeys.map((key) => createHmac('sha256', key).update(signedContent).update(bytes).digest());
        if (hmacs.some((expected) => timingSafeEqual(expected, signature))) return { id, timestamp: new Date(timestamp * 1000) };
      } else if (version === 'v1a' && signature.length === ED25519_SIGNATURE_BYTES && this.publicKeys.length > 0) {
        const content = Buffer.concat([Buffer.from(signedContent), typeof bytes === 'string' ? Buffer.from(bytes) : bytes]);
        if (this.publicKeys.some((key) => verifyEd25519(null, content, key, signature))) {
          return { id, timestamp: new Date(timestamp * 1000) };
        }
      }
    }
    throw new WebhookVerificationError('no_matching_signature');
  }

  /**
   * Signs a message the way a sender does, with the first `whsec_` secret: returns `v1,<base64>`.
   *
   * @example
   * const signature = wh.sign('msg_1', new Date(), JSON.stringify(body));
   */
  sign(msgId: string, timestamp: Date, payload: string | Buffer | Uint8Array): string {
    const key = this.hmacKeys[0];
    if (key === undefined) throw new Error('Signing needs a whsec_ secret; a whpk_ public key can only verify.');
    const seconds = Math.floor(timestamp.getTime() / 1000);
    const signature = createHmac('sha256', key).update(`${msgId}.${seconds}.`).update(payloadBytes(payload)).digest('base64');
    return `v1,${signature}`;
  }

  private addSecret(secret: WebhookSecret, format: WebhookOptions['format']): void {
    if (format === 'raw') {
      const key = typeof secret === 'string' ? Buffer.from(secret, 'latin1') : Buffer.from(secret);
      if (key.length === 0) throw new Error("Secret can't be empty.");
      this.hmacKeys.push(key);
      return;
    }
    if (typeof secret !== 'string') throw new Error('Expected secret to be of type string');
    if (secret.startsWith(PUBLIC_KEY_PREFIX)) {
      const raw = Buffer.from(secret.slice(PUBLIC_KEY_PREFIX.length), 'base64');
      if (raw.length !== ED25519_PUBLIC_KEY_BYTES) throw new Error('A whpk_ public key must hold 32 bytes of Ed25519 key, base64');
      this.publicKeys.push(createPublicKey({ key: Buffer.concat([ED25519_SPKI_HEADER, raw]), format: 'der', type: 'spki' }));
      return;
    }
    const key = Buffer.from(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret, 'base64');
    if (key.length === 0) throw new Error("Secret can't be empty.");
    this.hmacKeys.push(key);
  }

  private checkTimestamp(header: string): number {
    const now = Math.floor(Date.now() / 1000);
    const timestamp = parseInt(header, 10);
    if (Number.isNaN(timestamp)) throw new WebhookVerificationError('invalid_timestamp');
    if (now - timestamp > this.toleranceInSeconds) throw new WebhookVerificationError('timestamp_too_old');
    if (timestamp > now + this.toleranceInSeconds) throw new WebhookVerificationError('timestamp_too_new');
    return timestamp;
  }
}
