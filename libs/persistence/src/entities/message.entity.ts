import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { ApplicationEntity } from './application.entity';

@Entity('messages')
@Index('ix_messages_app_id', ['appId', 'id'])
@Index('ix_messages_created_at', ['createdAt'])
export class MessageEntity {
  @PrimaryColumn({ type: 'varchar', length: 40 })
  id: string;

  @Column({ name: 'app_id', type: 'varchar', length: 40 })
  appId: string;

  @ManyToOne(() => ApplicationEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'app_id' })
  application?: ApplicationEntity;

  @Column({ name: 'event_type', type: 'varchar', length: 256 })
  eventType: string;

  @Column({ name: 'event_id', type: 'varchar', length: 256, nullable: true })
  eventId: string | null;

  /** The JSON text exactly as it is signed and sent: every attempt sends these bytes. */
  @Column({ type: 'text' })
  payload: string;

  @Column({ type: 'text', array: true, nullable: true })
  channels: string[] | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
