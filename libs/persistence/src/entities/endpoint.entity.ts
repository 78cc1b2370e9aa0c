import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { CONSTRAINT } from '../constraint-names';
import { ApplicationEntity } from './application.entity';

@Entity('endpoints')
@Index(CONSTRAINT.endpointUid, ['appId', 'uid'], { unique: true })
@Index('ix_endpoints_app_id', ['appId', 'id'])
export class EndpointEntity {
  @PrimaryColumn({ type: 'varchar', length: 40 })
  id: string;

  @Column({ name: 'app_id', type: 'varchar', length: 40 })
  appId: string;

  @ManyToOne(() => ApplicationEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'app_id' })
  application?: ApplicationEntity;

  @Column({ type: 'varchar', length: 256, nullable: true })
  uid: string | null;

  @Column({ type: 'text' })
  url: string;

  @Column({ type: 'text', default: '' })
  description: string;

  @Column({ type: 'integer', default: 1 })
  version: number;

  @Column({ name: 'rate_limit', type: 'integer', nullable: true })
  rateLimit: number | null;

  @Column({ type: 'boolean', default: false })
  disabled: boolean;

  @Column({ name: 'disabled_reason', type: 'text', nullable: true })
  disabledReason: string | null;

  /** When the current run of failed attempts began; null after a success. */
  @Column({ name: 'failing_since', type: 'timestamptz', nullable: true })
  failingSince: Date | null;

  @Column({ name: 'filter_types', type: 'text', array: true, nullable: true })
  filterTypes: string[] | null;

  @Column({ type: 'text', array: true, nullable: true })
  channels: string[] | null;

  @Column({ type: 'jsonb' })
  metadata: Record<string, string>;

  /** Svix's endpoint headers, sent with every attempt after the signature headers (never replacing them). */
  @Column({ type: 'jsonb', default: () => `'{}'` })
  headers: Record<string, string>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
