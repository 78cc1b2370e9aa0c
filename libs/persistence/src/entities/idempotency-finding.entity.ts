import { IdempotencyFindingKind, ProducerKeyKind } from '@app/core';
import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { ApplicationEntity } from './application.entity';

/**
 * What the idempotency report counts: a repeated key an application in observe mode let through, or a
 * probable send-time key. Kept for the idempotency retention window.
 */
@Entity('idempotency_findings')
@Index('ix_idempotency_findings_app_created', ['appId', 'createdAt'])
@Index('ix_idempotency_findings_created_at', ['createdAt'])
export class IdempotencyFindingEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column({ name: 'app_id', type: 'varchar', length: 40 })
  appId: string;

  @ManyToOne(() => ApplicationEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'app_id' })
  application?: ApplicationEntity;

  @Column({ type: 'varchar', length: 16 })
  kind: IdempotencyFindingKind;

  @Column({ name: 'key_kind', type: 'varchar', length: 16 })
  keyKind: ProducerKeyKind;

  /** The key the later message came with. */
  @Column({ type: 'varchar', length: 256 })
  key: string;

  /** For a send-time key, the other key the same content came with before; for a repeat, null (the same key). */
  @Column({ name: 'earlier_key', type: 'varchar', length: 256, nullable: true })
  earlierKey: string | null;

  @Column({ name: 'event_type', type: 'varchar', length: 256, nullable: true })
  eventType: string | null;

  @Column({ name: 'message_id', type: 'varchar', length: 40, nullable: true })
  messageId: string | null;

  /** The message the key (or the content) was first accepted as, when known. */
  @Column({ name: 'earlier_message_id', type: 'varchar', length: 40, nullable: true })
  earlierMessageId: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
