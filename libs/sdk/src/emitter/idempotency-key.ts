import { createHash } from 'node:crypto';

/** The UUID namespace of Idem's idempotency keys: keys minted by any producer with this SDK agree. */
export const IDEM_KEY_NAMESPACE = '6f1d7c52-3b0e-4f47-9a2c-1de0a11ce5e7';

/** What identifies a source event: the same operation gets the same identity on every retry. */
export interface SourceEventIdentity {
  /** The system or table the event comes from, e.g. `'orders-service'` or `'billing.invoices'`. */
  source: string;
  /** The entity that changed, e.g. `'order:8412'`. */
  entity: string;
  /** The entity's version after the change, or the event's sequence number in its stream. */
  version: string | number | bigint;
  /** Set when one change emits several events (e.g. `'order.paid'` and `'invoice.issued'`). */
  eventType?: string;
}

function uuidBytes(uuid: string): Buffer {
  const hex = uuid.replace(/-/g, '');
  if (!/^[0-9a-f]{32}$/i.test(hex)) throw new Error(`Not a UUID: ${uuid}`);
  return Buffer.from(hex, 'hex');
}

/**
 * A name-based UUID (RFC 9562 version 5: SHA-1 over namespace and name).
 *
 * @example
 * uuidV5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8'); // '2ed6657d-e927-568b-95e1-2665a8aea6a2'
 */
export function uuidV5(name: string, namespace: string = IDEM_KEY_NAMESPACE): string {
  const hash = createHash('sha1').update(uuidBytes(namespace)).update(name, 'utf8').digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * Mints the idempotency key of a source event: a UUIDv5 over its source, entity and version (and event
 * type, if given). Mint it where the event happens, from data that is the same on every retry, and store
 * it with the event: then a retry after a timeout, a crash or a redeploy sends the same key, and Idem
 * accepts the event once. A key made inside the send function (a random UUID per call) is new on every
 * retry, so it deduplicates nothing.
 *
 * @example
 * const key = mintIdempotencyKey({ source: 'orders', entity: `order:${order.id}`, version: order.version });
 */
export function mintIdempotencyKey(identity: SourceEventIdentity, namespace: string = IDEM_KEY_NAMESPACE): string {
  const parts = [identity.source, identity.entity, String(identity.version)];
  if (identity.eventType !== undefined) parts.push(identity.eventType);
  if (parts.some((part) => part === '')) throw new Error('source, entity and version must not be empty');
  // JSON keeps the parts apart: ('a.b', 'c') and ('a', 'b.c') must not mint the same key.
  return uuidV5(JSON.stringify(parts), namespace);
}
