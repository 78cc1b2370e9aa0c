import { SagaStatus } from '@app/core';
import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { CONSTRAINT } from '../constraint-names';
import { ApplicationEntity } from './application.entity';

/** A message a saga sends: as a message's, its channels (absent: none) route it with the endpoints' channels. */
export interface SagaMessageDefinition {
  eventType: string;
  payload: Record<string, unknown>;
  channels?: string[];
}

/** One step of a saga as it was created: the message it sends, and the one that undoes it. */
export interface SagaStepDefinition extends SagaMessageDefinition {
  name: string;
  compensation: SagaMessageDefinition;
}

/**
 * A saga (Idem extension): its steps, where it is, and the producer's key for it. Advanced in the
 * transaction of the delivery outcome that moves it; a finished one is kept for the message retention.
 */
@Entity('sagas')
@Index(CONSTRAINT.sagaKey, ['appId', 'sagaId'], { unique: true })
@Index('ix_sagas_unfinished', ['status'], { where: `status IN ('running', 'compensating')` })
@Index('ix_sagas_finished_at', ['finishedAt'])
export class SagaEntity {
  @PrimaryColumn({ type: 'varchar', length: 40 })
  id: string;

  @Column({ name: 'app_id', type: 'varchar', length: 40 })
  appId: string;

  @ManyToOne(() => ApplicationEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'app_id' })
  application?: ApplicationEntity;

  /** The producer's event-time key: the same one again is this saga. */
  @Column({ name: 'saga_id', type: 'varchar', length: 256 })
  sagaId: string;

  /** SHA-256 of the canonical steps, to tell a retry of the create from another saga under the same key. */
  @Column({ name: 'request_hash', type: 'char', length: 64 })
  requestHash: string;

  @Column({ type: 'jsonb' })
  steps: SagaStepDefinition[];

  @Column({ type: 'varchar', length: 24 })
  status: SagaStatus;

  /** The step being delivered (running) or compensated (compensating), or where it ended. */
  @Column({ name: 'step_index', type: 'integer' })
  stepIndex: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt: Date | null;
}
