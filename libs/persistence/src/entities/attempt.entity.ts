import { AttemptOutcome, AttemptTrigger } from '@app/core';
import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { CONSTRAINT } from '../constraint-names';
import { DeliveryEntity } from './delivery.entity';

/** One HTTP request made for a delivery, and what came back. */
@Entity('attempts')
@Index(CONSTRAINT.scheduledAttemptNumber, ['deliveryId', 'attemptNumber'], {
  unique: true,
  where: `trigger = 'scheduled'`,
})
// Cascaded deletes of deliveries (retention, endpoint and application deletes) find attempts through it.
@Index('ix_attempts_delivery', ['deliveryId'])
@Index('ix_attempts_message', ['messageId', 'id'])
// An endpoint's attempts newest first, and with what its health figures need, read index-only by the
// stats over a range of ids (an attempt is updated once at most, when its response body is expunged
// with its message's payload, so pages become all-visible again after the next vacuum).
@Index('ix_attempts_endpoint', ['endpointId', 'id', 'createdAt', 'outcome', 'responseDurationMs'])
export class AttemptEntity {
  @PrimaryColumn({ type: 'varchar', length: 40 })
  id: string;

  @Column({ name: 'delivery_id', type: 'varchar', length: 40 })
  deliveryId: string;

  @ManyToOne(() => DeliveryEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'delivery_id' })
  delivery?: DeliveryEntity;

  @Column({ name: 'message_id', type: 'varchar', length: 40 })
  messageId: string;

  @Column({ name: 'endpoint_id', type: 'varchar', length: 40 })
  endpointId: string;

  @Column({ name: 'app_id', type: 'varchar', length: 40 })
  appId: string;

  @Column({ name: 'attempt_number', type: 'integer' })
  attemptNumber: number;

  @Column({ type: 'varchar', length: 16 })
  trigger: AttemptTrigger;

  @Column({ type: 'varchar', length: 16 })
  outcome: AttemptOutcome;

  @Column({ type: 'text' })
  url: string;

  /** 0 when no HTTP response arrived (network error, timeout). */
  @Column({ name: 'response_status_code', type: 'integer' })
  responseStatusCode: number;

  /** At most the first 20 KB of the response body; `EXPUNGED` once the message's payload expired. */
  @Column({ name: 'response_body', type: 'text', default: '' })
  responseBody: string;

  @Column({ name: 'response_duration_ms', type: 'integer' })
  responseDurationMs: number;

  @Column({ type: 'text', nullable: true })
  error: string | null;

  /** The request's headers with signatures and sensitive endpoint headers redacted. */
  @Column({ name: 'request_headers', type: 'jsonb', nullable: true })
  requestHeaders: Record<string, string> | null;

  /**
   * The response's headers, bounded (50, 8 KiB) with cookies redacted; null when no response came, for
   * attempts recorded before they were kept, and once expunged with the response body.
   */
  @Column({ name: 'response_headers', type: 'jsonb', nullable: true })
  responseHeaders: Record<string, string> | null;

  @Column({ name: 'next_attempt_at', type: 'timestamptz', nullable: true })
  nextAttemptAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
