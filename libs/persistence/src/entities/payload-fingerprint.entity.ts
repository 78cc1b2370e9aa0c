import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { CONSTRAINT } from '../constraint-names';
import { ApplicationEntity } from './application.entity';

/**
 * The send-time-key detector's memory: the newest key each content (event type, payload, channels)
 * arrived under in an application. Rows older than the detector's window are deleted.
 */
@Entity('payload_fingerprints')
@Index('ix_payload_fingerprints_seen_at', ['seenAt'])
export class PayloadFingerprintEntity {
  @PrimaryColumn({ name: 'app_id', type: 'varchar', length: 40, primaryKeyConstraintName: CONSTRAINT.payloadFingerprint })
  appId: string;

  @ManyToOne(() => ApplicationEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'app_id' })
  application?: ApplicationEntity;

  /** The message's content hash, as its eventId claim stores it. */
  @PrimaryColumn({ type: 'char', length: 64, primaryKeyConstraintName: CONSTRAINT.payloadFingerprint })
  fingerprint: string;

  @Column({ name: 'key_kind', type: 'varchar', length: 16 })
  keyKind: string;

  @Column({ type: 'varchar', length: 256 })
  key: string;

  @Column({ name: 'message_id', type: 'varchar', length: 40 })
  messageId: string;

  @Column({ name: 'seen_at', type: 'timestamptz', default: () => 'now()' })
  seenAt: Date;
}
