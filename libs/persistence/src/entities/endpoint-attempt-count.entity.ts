import { AttemptOutcome } from '@app/core';
import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { EndpointEntity } from './endpoint.entity';

/**
 * How many of an endpoint's attempts in one UTC hour had each outcome, by response time bucket
 * (`attempt_duration_bucket`: four a doubling): what its health windows and hourly series sum. Kept by
 * statement triggers on `attempts` (migration `EndpointAttemptCounts`); shares by `shard` as in
 * `EndpointDeliveryCountEntity`.
 */
@Entity('endpoint_attempt_counts')
export class EndpointAttemptCountEntity {
  @PrimaryColumn({ name: 'endpoint_id', type: 'varchar', length: 40, primaryKeyConstraintName: 'pk_endpoint_attempt_counts' })
  endpointId: string;

  @ManyToOne(() => EndpointEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'endpoint_id' })
  endpoint?: EndpointEntity;

  @PrimaryColumn({ type: 'timestamptz', primaryKeyConstraintName: 'pk_endpoint_attempt_counts' })
  hour: Date;

  @PrimaryColumn({ type: 'varchar', length: 16, primaryKeyConstraintName: 'pk_endpoint_attempt_counts' })
  outcome: AttemptOutcome;

  @PrimaryColumn({ name: 'duration_bucket', type: 'smallint', primaryKeyConstraintName: 'pk_endpoint_attempt_counts' })
  durationBucket: number;

  @PrimaryColumn({ type: 'smallint', primaryKeyConstraintName: 'pk_endpoint_attempt_counts' })
  shard: number;

  @Column({ type: 'integer' })
  count: number;
}
