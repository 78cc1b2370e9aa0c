import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { CONSTRAINT } from '../constraint-names';
import { ApplicationEntity } from './application.entity';
import { bigintAsNumber } from './bigint-as-number';

/**
 * The newest version of each entity accepted as a state message (`semantics: "state"`) in an
 * application: a message whose version is not higher is stale. One row per entity, kept as long as
 * the application: deleting one would let an older state through again.
 */
@Entity('entity_versions')
export class EntityVersionEntity {
  @PrimaryColumn({ name: 'app_id', type: 'varchar', length: 40, primaryKeyConstraintName: CONSTRAINT.entityVersion })
  appId: string;

  @ManyToOne(() => ApplicationEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'app_id' })
  application?: ApplicationEntity;

  @PrimaryColumn({ name: 'entity_name', type: 'varchar', length: 256, primaryKeyConstraintName: CONSTRAINT.entityVersion })
  entityName: string;

  @PrimaryColumn({ name: 'entity_id', type: 'varchar', length: 256, primaryKeyConstraintName: CONSTRAINT.entityVersion })
  entityId: string;

  @Column({ type: 'bigint', transformer: bigintAsNumber })
  version: number;

  /** The message that carried this version. */
  @Column({ name: 'message_id', type: 'varchar', length: 40 })
  messageId: string;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
