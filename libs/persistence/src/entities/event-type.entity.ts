import type { RetrySafety } from '@app/core';
import { SchemaEnforcement } from '@app/core';
import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { CONSTRAINT } from '../constraint-names';

@Entity('event_types')
export class EventTypeEntity {
  @PrimaryColumn({ type: 'varchar', length: 256, primaryKeyConstraintName: CONSTRAINT.eventTypeName })
  name: string;

  @Column({ type: 'text', default: '' })
  description: string;

  @Column({ type: 'jsonb', nullable: true })
  schemas: Record<string, unknown> | null;

  /** Whether `schemas` is applied to messages of this type (Idem extension). */
  @Column({ name: 'schema_enforcement', type: 'varchar', length: 16, default: SchemaEnforcement.Off })
  schemaEnforcement: SchemaEnforcement;

  /** Idem's retry-safety contract: what its messages mean, and where their entity and version are; null for commands. */
  @Column({ name: 'retry_safety', type: 'jsonb', nullable: true })
  retrySafety: RetrySafety | null;

  @Column({ type: 'boolean', default: false })
  archived: boolean;

  @Column({ type: 'boolean', default: false })
  deprecated: boolean;

  @Column({ name: 'feature_flag', type: 'varchar', length: 256, nullable: true })
  featureFlag: string | null;

  @Column({ name: 'group_name', type: 'varchar', length: 256, nullable: true })
  groupName: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
