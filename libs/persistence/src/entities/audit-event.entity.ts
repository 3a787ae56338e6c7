import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { InstantColumn } from './columns.js';

/** A security event or admin action, kept for operators. */
@Entity('audit_event')
@Index('idx_audit_event_time', ['occurred_at', 'id'])
@Index('idx_audit_event_target', ['target_id', 'occurred_at', 'id'])
export class AuditEventEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @InstantColumn()
  occurred_at: number;

  /** Who acted: `client:<id>`, `admin:<id>`, `system`. */
  @Column({ type: 'varchar', length: 255 })
  actor: string;

  @Column({ type: 'varchar', length: 64 })
  action: string;

  @Column({ type: 'varchar', length: 64 })
  target_type: string;

  @Column({ type: 'varchar', length: 255 })
  target_id: string;

  @Column({ type: 'varchar', length: 255, nullable: true })
  reason: string | null;
}
