/** An entity's version or event sequence number: an integer, as a number, bigint or digit string. */
export type EntityVersion = number | bigint | string;

/** What `applyIfNewer` did. */
export type VersionedApply<T> =
  | { readonly applied: true; readonly result: T }
  /** The stored version was the same or newer: nothing ran. Acknowledge the delivery as a success. */
  | { readonly applied: false; readonly currentVersion: bigint };

/**
 * Pattern 3 on the receiver: apply an update only if it is newer than what was applied before, so a
 * late or reordered delivery cannot roll an entity back. `PostgresVersionGuard` and `MemoryVersionGuard`
 * implement it.
 *
 * @example
 * const outcome = await guard.applyIfNewer(`order:${order.id}`, order.version, (tx) => saveOrder(tx, order));
 * // a stale delivery: outcome.applied === false, and the receiver still answers 2xx
 */
export interface VersionGuard<Tx> {
  applyIfNewer<T>(entityKey: string, version: EntityVersion, apply: (transaction: Tx) => Promise<T>): Promise<VersionedApply<T>>;
}

export function toVersion(version: EntityVersion): bigint {
  if (typeof version === 'number' && !Number.isSafeInteger(version)) throw new Error(`Version ${version} is not a safe integer`);
  if (typeof version === 'string' && !/^-?\d+$/.test(version)) throw new Error(`Version "${version}" is not an integer`);
  return BigInt(version);
}
