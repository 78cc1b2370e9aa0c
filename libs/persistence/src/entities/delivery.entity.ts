import { DeliveryStatus, DeliveryTransition, sqlStatusIn, sqlStatusMayTake } from '@app/core';
import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { CONSTRAINT } from '../constraint-names';
import { EndpointEntity } from './endpoint.entity';
import { MessageEntity } from './message.entity';

/**
 * One message on its way to one endpoint. Its status only changes through `DELIVERY_TRANSITIONS`. The
 * partial indexes serve the statements of the transitions they name; the migrations hold them as written then.
 */
@Entity('deliveries')
@Index(CONSTRAINT.deliveryPerEndpoint, ['messageId', 'endpointId'], { unique: true })
@Index('ix_deliveries_due', ['nextAttemptAt'], { where: sqlStatusMayTake(DeliveryTransition.Claim) })
@Index('ix_deliveries_lease', ['leaseExpiresAt'], { where: sqlStatusMayTake(DeliveryTransition.LeaseExpire) })
@Index('ix_deliveries_endpoint', ['endpointId', 'createdAt'])
@Index('ix_deliveries_endpoint_message', ['endpointId', 'messageId'])
@Index('ix_deliveries_resend', ['resendRequestedAt'], { where: 'resend_requested_at IS NOT NULL' })
@Index(CONSTRAINT.laneInFlight, ['endpointId', 'lane'], { unique: true, where: `${sqlStatusIn([DeliveryStatus.Sending])} AND lane IS NOT NULL` })
// The sweeper's look for lanes whose promotion was lost.
@Index('ix_deliveries_queued', ['endpointId'], { where: sqlStatusMayTake(DeliveryTransition.Promote) })
export class DeliveryEntity {
  @PrimaryColumn({ type: 'varchar', length: 40 })
  id: string;

  @Column({ name: 'message_id', type: 'varchar', length: 40 })
  messageId: string;

  @ManyToOne(() => MessageEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'message_id' })
  message?: MessageEntity;

  @Column({ name: 'endpoint_id', type: 'varchar', length: 40 })
  endpointId: string;

  @ManyToOne(() => EndpointEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'endpoint_id' })
  endpoint?: EndpointEntity;

  @Column({ name: 'app_id', type: 'varchar', length: 40 })
  appId: string;

  @Column({ type: 'varchar', length: 16 })
  status: DeliveryStatus;

  /** Scheduled attempts made so far; the next scheduled attempt has number `scheduledAttempts + 1`. */
  @Column({ name: 'scheduled_attempts', type: 'integer', default: 0 })
  scheduledAttempts: number;

  @Column({ name: 'next_attempt_at', type: 'timestamptz', nullable: true })
  nextAttemptAt: Date | null;

  @Column({ name: 'lease_expires_at', type: 'timestamptz', nullable: true })
  leaseExpiresAt: Date | null;

  /** When a job for the next attempt was last put on the queue; the sweeper re-enqueues stale ones. */
  @Column({ name: 'enqueued_at', type: 'timestamptz', nullable: true })
  enqueuedAt: Date | null;

  /**
   * Set when someone asked for a manual resend and cleared by the statement that records it, so a resend
   * whose job was lost is found by the sweeper and still happens.
   */
  @Column({ name: 'resend_requested_at', type: 'timestamptz', nullable: true })
  resendRequestedAt: Date | null;

  /** For a superseded delivery: the message whose newer state of the same entity made it pointless. */
  @Column({ name: 'superseded_by', type: 'varchar', length: 40, nullable: true })
  supersededBy: string | null;

  /**
   * The ordered lane (its entity, `<name> U+001F <id>`) of a delivery claimed under `ordering: "entity"`,
   * set by the claim; with the endpoint it is the key of `uq_deliveries_lane_in_flight`.
   */
  @Column({ type: 'varchar', length: 520, nullable: true })
  lane: string | null;

  @Column({ name: 'last_attempt_at', type: 'timestamptz', nullable: true })
  lastAttemptAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
