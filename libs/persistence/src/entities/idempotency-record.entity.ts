import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';
import { CONSTRAINT } from '../constraint-names';

/** The stored first response to a request that carried an `Idempotency-Key`, replayed to its retries. */
@Entity('idempotency_records')
@Index('ix_idempotency_records_created_at', ['createdAt'])
export class IdempotencyRecordEntity {
  /** Who asked and where: a hash of the credential plus the method and route. */
  @PrimaryColumn({ type: 'varchar', length: 128, primaryKeyConstraintName: CONSTRAINT.idempotencyKey })
  scope: string;

  @PrimaryColumn({ type: 'varchar', length: 256, primaryKeyConstraintName: CONSTRAINT.idempotencyKey })
  key: string;

  @Column({ name: 'request_hash', type: 'char', length: 64 })
  requestHash: string;

  @Column({ name: 'response_status', type: 'integer' })
  responseStatus: number;

  @Column({ name: 'response_body', type: 'jsonb', nullable: true })
  responseBody: unknown;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
