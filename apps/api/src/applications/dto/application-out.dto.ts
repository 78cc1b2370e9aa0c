import { IdempotencyMode } from '@app/core';
import { ApplicationEntity } from '@app/persistence';

/** Svix's `ApplicationOut`. */
export class ApplicationOut {
  id: string;
  uid: string | null;
  name: string;
  metadata: Record<string, string>;
  rateLimit: number | null;
  throttleRate: number | null;
  /** Idem extension: see `ApplicationIn.idempotencyMode`. */
  idempotencyMode: IdempotencyMode;
  createdAt: string;
  updatedAt: string;
}

export function toApplicationOut(application: ApplicationEntity): ApplicationOut {
  return {
    id: application.id,
    uid: application.uid,
    name: application.name,
    metadata: application.metadata,
    rateLimit: application.rateLimit,
    throttleRate: application.rateLimit,
    idempotencyMode: application.idempotencyMode,
    createdAt: application.createdAt.toISOString(),
    updatedAt: application.updatedAt.toISOString(),
  };
}
