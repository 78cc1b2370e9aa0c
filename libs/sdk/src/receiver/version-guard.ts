import { ENTITY_HEADER, ENTITY_VERSION_HEADER, WebhookDelivery } from './webhook-receiver';

/** An entity's version or event sequence number: an integer, as a number, bigint or digit string. */
export type EntityVersion = number | bigint | string;

/** What `applyIfNewer` did. */
export type VersionedApply<T> =
  | { readonly applied: true; readonly result: T }
  /** The stored version was the same or newer: nothing ran. Acknowledge the delivery as a success. */
  | { readonly applied: false; readonly currentVersion: bigint };

/**
 * The arguments of `applyIfNewer`: the entity key and version, or a delivery whose `idem-entity` and
 * `idem-entity-version` headers name them; then the update, and the guard's options.
 */
export type VersionGuardCall<Tx, T, Options = never> =
  | [entityKey: string, version: EntityVersion, apply: (transaction: Tx) => Promise<T>, options?: Options]
  | [delivery: WebhookDelivery, apply: (transaction: Tx) => Promise<T>, options?: Options];

/**
 * Pattern 3 on the receiver: apply an update only if it is newer than what was applied before, so a
 * late or reordered delivery cannot roll an entity back. `PostgresVersionGuard` and `MemoryVersionGuard`
 * implement it.
 *
 * @example
 * const outcome = await guard.applyIfNewer(`order:${order.id}`, order.version, (tx) => saveOrder(tx, order));
 * // or, when Idem named the entity in the delivery's headers:
 * const outcome = await guard.applyIfNewer(delivery, (tx) => saveOrder(tx, delivery.payload));
 * // a stale delivery: outcome.applied === false, and the receiver still answers 2xx
 */
export interface VersionGuard<Tx> {
  applyIfNewer<T>(entityKey: string, version: EntityVersion, apply: (transaction: Tx) => Promise<T>): Promise<VersionedApply<T>>;
  applyIfNewer<T>(delivery: WebhookDelivery, apply: (transaction: Tx) => Promise<T>): Promise<VersionedApply<T>>;
}

export function toVersion(version: EntityVersion): bigint {
  if (typeof version === 'number' && !Number.isSafeInteger(version)) throw new Error(`Version ${version} is not a safe integer`);
  if (typeof version === 'string' && !/^-?\d+$/.test(version)) throw new Error(`Version "${version}" is not an integer`);
  return BigInt(version);
}

/** What a guard checks and runs, whichever way it was called; a delivery that does not name its entity's version is an error. */
export function versionGuardCall<Tx, T, Options>(
  call: VersionGuardCall<Tx, T, Options>,
): { entityKey: string; version: bigint; apply: (transaction: Tx) => Promise<T>; options?: Options } {
  if (typeof call[0] === 'string') {
    const [entityKey, version, apply, options] = call as Extract<VersionGuardCall<Tx, T, Options>, [string, ...unknown[]]>;
    return { entityKey, version: toVersion(version), apply, options };
  }
  const [delivery, apply, options] = call as Extract<VersionGuardCall<Tx, T, Options>, [WebhookDelivery, ...unknown[]]>;
  const { entity } = delivery;
  if (entity?.version === undefined) {
    const missing = entity === undefined ? ENTITY_HEADER : ENTITY_VERSION_HEADER;
    throw new Error(
      `applyIfNewer(delivery, …): delivery ${delivery.id} has no valid ${missing} header (Idem sends it when the event type's retrySafety names the entity${entity === undefined ? '' : ' and a versionPath'}); pass the entity key and version instead`,
    );
  }
  return { entityKey: entity.key, version: entity.version, apply, options };
}
