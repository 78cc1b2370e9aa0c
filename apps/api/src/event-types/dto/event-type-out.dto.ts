import { RetrySafety, SchemaEnforcement } from '@app/core';
import { EventTypeEntity } from '@app/persistence';

/** Svix's `EventTypeOut`. */
export class EventTypeOut {
  name: string;
  description: string;
  archived: boolean;
  deprecated: boolean;
  featureFlag: string | null;
  groupName: string | null;
  schemas: Record<string, unknown> | null;
  /** Idem extension: whether `schemas` is applied to messages of this type. */
  schemaEnforcement: SchemaEnforcement;
  /** Idem extension: the retry-safety contract; null for commands. */
  retrySafety: RetrySafety | null;
  createdAt: string;
  updatedAt: string;
}

export function toEventTypeOut(eventType: EventTypeEntity): EventTypeOut {
  return {
    name: eventType.name,
    description: eventType.description,
    archived: eventType.archived,
    deprecated: eventType.deprecated,
    featureFlag: eventType.featureFlag,
    groupName: eventType.groupName,
    schemas: eventType.schemas,
    schemaEnforcement: eventType.schemaEnforcement,
    retrySafety: eventType.retrySafety,
    createdAt: eventType.createdAt.toISOString(),
    updatedAt: eventType.updatedAt.toISOString(),
  };
}
