import { SagaMessageRole } from '@app/core';
import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { CONSTRAINT } from '../constraint-names';
import { SagaEntity } from './saga.entity';

/** Which message a saga sent for one step or compensation: at most one each, by constraint. */
@Entity('saga_messages')
@Index(CONSTRAINT.sagaMessage, ['sagaPk', 'role', 'stepIndex'], { unique: true })
export class SagaMessageEntity {
  @PrimaryColumn({ name: 'message_id', type: 'varchar', length: 40 })
  messageId: string;

  @Column({ name: 'saga_pk', type: 'varchar', length: 40 })
  sagaPk: string;

  @ManyToOne(() => SagaEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'saga_pk' })
  saga?: SagaEntity;

  @Column({ type: 'varchar', length: 16 })
  role: SagaMessageRole;

  @Column({ name: 'step_index', type: 'integer' })
  stepIndex: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
