import { BackgroundTaskStatus, BackgroundTaskType } from '@app/core';
import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { ApplicationEntity } from './application.entity';

/**
 * A long-running operation and how far it got. Kept for `BACKGROUND_TASK_RETENTION_MS` after it was
 * created (the retention cleanup deletes older rows by `created_at`), and with its application.
 */
@Entity('background_tasks')
@Index('ix_background_tasks_app_id', ['appId', 'id'])
@Index('ix_background_tasks_created_at', ['createdAt'])
export class BackgroundTaskEntity {
  @PrimaryColumn({ type: 'varchar', length: 40 })
  id: string;

  /** The application the task works on, or null for one that spans the organisation. */
  @Column({ name: 'app_id', type: 'varchar', length: 40, nullable: true })
  appId: string | null;

  @ManyToOne(() => ApplicationEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'app_id' })
  application?: ApplicationEntity;

  @Column({ type: 'varchar', length: 64 })
  task: BackgroundTaskType;

  @Column({ type: 'varchar', length: 16 })
  status: BackgroundTaskStatus;

  /** The task's input, progress and result, shown as is in `BackgroundTaskOut.data`. */
  @Column({ type: 'jsonb', default: () => `'{}'` })
  data: Record<string, unknown>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
