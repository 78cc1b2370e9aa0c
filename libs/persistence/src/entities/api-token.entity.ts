import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { CONSTRAINT } from '../constraint-names';
import { ApplicationEntity } from './application.entity';

/**
 * A credential for the API besides the bootstrap admin token. Only the token's hash is kept: the
 * token itself is shown once, when it is created. Deleting the row revokes it.
 */
@Entity('api_tokens')
@Index(CONSTRAINT.apiTokenHash, ['tokenHash'], { unique: true })
@Index('ix_api_tokens_app_id', ['appId'])
export class ApiTokenEntity {
  @PrimaryColumn({ type: 'varchar', length: 40 })
  id: string;

  @Column({ type: 'varchar', length: 256 })
  name: string;

  /** The one application the token may act on, or null for the whole organisation. */
  @Column({ name: 'app_id', type: 'varchar', length: 40, nullable: true })
  appId: string | null;

  // A token scoped to an application goes when the application goes, never outliving its scope.
  @ManyToOne(() => ApplicationEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'app_id' })
  application?: ApplicationEntity;

  /** SHA-256 of the token, hex. */
  @Column({ name: 'token_hash', type: 'char', length: 64 })
  tokenHash: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
