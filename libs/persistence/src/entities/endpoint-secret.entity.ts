import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { EndpointEntity } from './endpoint.entity';

/** A signing secret of an endpoint. The current one has no expiry; a rotated-out one signs until `expiresAt`. */
@Entity('endpoint_secrets')
@Index('ix_endpoint_secrets_endpoint_id', ['endpointId'])
export class EndpointSecretEntity {
  @PrimaryColumn({ type: 'varchar', length: 40 })
  id: string;

  @Column({ name: 'endpoint_id', type: 'varchar', length: 40 })
  endpointId: string;

  @ManyToOne(() => EndpointEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'endpoint_id' })
  endpoint?: EndpointEntity;

  /** The secret as stored: sealed by `EndpointSecretCipher`, or in clear for rows written before secrets were encrypted. */
  @Column({ name: 'secret', type: 'text' })
  sealedSecret: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true })
  expiresAt: Date | null;
}
