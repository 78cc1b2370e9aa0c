import type { EventSemantics, SchemaViolation } from '@app/core';
import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { ApplicationEntity } from './application.entity';
import { bigintAsNumber } from './bigint-as-number';

@Entity('messages')
@Index('ix_messages_app_id', ['appId', 'id'])
@Index('ix_messages_created_at', ['createdAt'])
// The list filtered by event type, newest first.
@Index('ix_messages_event_type', ['appId', 'eventType', 'id'])
// The lists filtered by channel (`channels @> ARRAY[...]`). A GIN index, which TypeORM cannot declare: the
// migration creates it, and the schema check leaves it alone.
@Index('ix_messages_channels', { synchronize: false })
// The retention cleanup's queue of payloads to expunge; an expunged message leaves it.
@Index('ix_messages_payload_expires_at', ['payloadExpiresAt'], { where: 'payload IS NOT NULL' })
// The older states of an entity, which a newer one supersedes.
@Index('ix_messages_entity', ['appId', 'entityName', 'entityId'], { where: 'entity_name IS NOT NULL' })
export class MessageEntity {
  @PrimaryColumn({ type: 'varchar', length: 40 })
  id: string;

  @Column({ name: 'app_id', type: 'varchar', length: 40 })
  appId: string;

  @ManyToOne(() => ApplicationEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'app_id' })
  application?: ApplicationEntity;

  @Column({ name: 'event_type', type: 'varchar', length: 256 })
  eventType: string;

  @Column({ name: 'event_id', type: 'varchar', length: 256, nullable: true })
  eventId: string | null;

  /**
   * The JSON text exactly as it is signed and sent: every attempt sends these bytes. Null once expunged:
   * its retention ran out and no delivery still needed it, or it was expunged on request.
   */
  @Column({ type: 'text', nullable: true })
  payload: string | null;

  /**
   * When the payload's retention runs out (`payloadRetentionPeriod` / `payloadRetentionHours`). Ingest
   * always sets it; the default, Svix's 90 days, covers rows written any other way. It is written as
   * TypeORM reads it back from Postgres (without the `::interval` cast), so the schema check stays clean.
   */
  @Column({ name: 'payload_expires_at', type: 'timestamptz', default: () => "(now() + '90 days')" })
  payloadExpiresAt: Date;

  @Column({ type: 'text', array: true, nullable: true })
  channels: string[] | null;

  /** The entity the message is about, read from its payload by its event type's retry-safety contract; null for commands. */
  @Column({ name: 'entity_name', type: 'varchar', length: 256, nullable: true })
  entityName: string | null;

  @Column({ name: 'entity_id', type: 'varchar', length: 256, nullable: true })
  entityId: string | null;

  @Column({ name: 'entity_version', type: 'bigint', nullable: true, transformer: bigintAsNumber })
  entityVersion: number | null;

  /** `state` or `delta`, as its event type said when it was accepted: only states supersede and are superseded. */
  @Column({ name: 'entity_semantics', type: 'varchar', length: 16, nullable: true })
  entitySemantics: EventSemantics | null;

  /** A state message whose version was not newer than one accepted before (or with) it: accepted, never sent. */
  @Column({ name: 'entity_stale', type: 'boolean', default: false })
  entityStale: boolean;

  /** How the payload broke its event type's schema, when that schema is observed rather than enforced; null otherwise. */
  @Column({ name: 'schema_violations', type: 'jsonb', nullable: true })
  schemaViolations: SchemaViolation[] | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
