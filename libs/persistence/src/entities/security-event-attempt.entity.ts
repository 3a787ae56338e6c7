import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { InstantColumn } from './columns.js';

/** One delivery attempt of a security event: when, the receiver's status code or the error, how long. */
@Entity('security_event_attempt')
@Index('idx_security_event_attempt_event', ['event_id', 'attempted_at'])
export class SecurityEventAttemptEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ type: 'varchar', length: 36 })
  event_id: string;

  @InstantColumn()
  attempted_at: number;

  /** The receiver's HTTP status; null when no answer came (timeout, network error). */
  @Column({ type: 'integer', nullable: true })
  status_code: number | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  error: string | null;

  @Column({ type: 'integer' })
  duration_ms: number;
}
