import { IdempotencyMode } from '@app/core';
import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { CONSTRAINT } from '../constraint-names';

@Entity('applications')
@Index(CONSTRAINT.applicationUid, ['uid'], { unique: true })
export class ApplicationEntity {
  @PrimaryColumn({ type: 'varchar', length: 40 })
  id: string;

  @Column({ type: 'varchar', length: 256, nullable: true })
  uid: string | null;

  @Column({ type: 'varchar', length: 256 })
  name: string;

  @Column({ name: 'rate_limit', type: 'integer', nullable: true })
  rateLimit: number | null;

  /** Whether a repeated `eventId` or `Idempotency-Key` is deduplicated (enforce) or only reported (observe). */
  @Column({ name: 'idempotency_mode', type: 'varchar', length: 16, default: IdempotencyMode.Enforce })
  idempotencyMode: IdempotencyMode;

  @Column({ type: 'jsonb' })
  metadata: Record<string, string>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
