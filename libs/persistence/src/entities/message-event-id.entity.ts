import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';
import { CONSTRAINT } from '../constraint-names';

/**
 * The dedup record of a producer's `eventId`, written in the message's own transaction. Kept for
 * the idempotency retention window, after which the same eventId is a new event again.
 */
@Entity('message_event_ids')
@Index('ix_message_event_ids_created_at', ['createdAt'])
export class MessageEventIdEntity {
  @PrimaryColumn({ name: 'app_id', type: 'varchar', length: 40, primaryKeyConstraintName: CONSTRAINT.messageEventId })
  appId: string;

  @PrimaryColumn({ name: 'event_id', type: 'varchar', length: 256, primaryKeyConstraintName: CONSTRAINT.messageEventId })
  eventId: string;

  @Column({ name: 'message_id', type: 'varchar', length: 40 })
  messageId: string;

  /** SHA-256 of the message's content (event type, payload, channels), to tell a retry from a clash. */
  @Column({ name: 'content_hash', type: 'char', length: 64 })
  contentHash: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
