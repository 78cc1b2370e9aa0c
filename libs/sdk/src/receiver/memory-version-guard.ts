import { WebhookDelivery } from './webhook-receiver';
import { EntityVersion, VersionedApply, VersionGuard, VersionGuardCall, versionGuardCall } from './version-guard';

/**
 * A version guard in this process's memory: for a single process and for tests. Calls for the same
 * entity run one after another, so the check and the apply are atomic.
 *
 * @example
 * const guard = new MemoryVersionGuard();
 * await guard.applyIfNewer('order:1', 3, async () => cache.set('order:1', order));
 */
export class MemoryVersionGuard implements VersionGuard<undefined> {
  private readonly versions = new Map<string, bigint>();
  private readonly queues = new Map<string, Promise<unknown>>();

  /** The version last applied to an entity. */
  currentVersion(entityKey: string): bigint | undefined {
    return this.versions.get(entityKey);
  }

  applyIfNewer<T>(entityKey: string, version: EntityVersion, apply: (transaction: undefined) => Promise<T>): Promise<VersionedApply<T>>;
  /** The entity key and version from the delivery's `idem-entity` headers (`delivery.entity`). */
  applyIfNewer<T>(delivery: WebhookDelivery, apply: (transaction: undefined) => Promise<T>): Promise<VersionedApply<T>>;
  applyIfNewer<T>(...call: VersionGuardCall<undefined, T>): Promise<VersionedApply<T>> {
    const { entityKey, version: candidate, apply } = versionGuardCall(call);
    const previous = this.queues.get(entityKey) ?? Promise.resolve();
    const run = previous.then(async (): Promise<VersionedApply<T>> => {
      const current = this.versions.get(entityKey);
      if (current !== undefined && current >= candidate) return { applied: false, currentVersion: current };
      const result = await apply(undefined);
      this.versions.set(entityKey, candidate);
      return { applied: true, result };
    });
    const settled = run.catch(() => undefined);
    this.queues.set(entityKey, settled);
    void settled.then(() => {
      if (this.queues.get(entityKey) === settled) this.queues.delete(entityKey);
    });
    return run;
  }
}
