import { DeliveryStatus } from '@app/core';
import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { EndpointEntity } from './endpoint.entity';

/**
 * How many of an endpoint's deliveries created in one UTC hour stand in each status now: what the
 * endpoint's stats sum instead of counting deliveries. Kept by statement triggers on `deliveries`
 * (migration `EndpointDeliveryCounts`), so every statement that inserts, moves or deletes deliveries,
 * whoever runs it, keeps the figures exact in the same transaction. A row is one share of the figure
 * (`shard`, from the writing connection), so concurrent transactions to one endpoint seldom wait on
 * the same row; the figure is the sum of the shares, and one share may be negative.
 */
@Entity('endpoint_delivery_counts')
export class EndpointDeliveryCountEntity {
  @PrimaryColumn({ name: 'endpoint_id', type: 'varchar', length: 40, primaryKeyConstraintName: 'pk_endpoint_delivery_counts' })
  endpointId: string;

  @ManyToOne(() => EndpointEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'endpoint_id' })
  endpoint?: EndpointEntity;

  /** The start of the UTC hour in which the deliveries were created. */
  @PrimaryColumn({ type: 'timestamptz', primaryKeyConstraintName: 'pk_endpoint_delivery_counts' })
  hour: Date;

  @PrimaryColumn({ type: 'varchar', length: 16, primaryKeyConstraintName: 'pk_endpoint_delivery_counts' })
  status: DeliveryStatus;

  @PrimaryColumn({ type: 'smallint', primaryKeyConstraintName: 'pk_endpoint_delivery_counts' })
  shard: number;

  @Column({ type: 'integer' })
  count: number;
}
