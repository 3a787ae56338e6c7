import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { InstantColumn } from './columns.js';

/** A signed-in browser: the cookie holds a random value, the database its SHA-256. */
@Entity('login_session')
@Index('idx_login_session_user', ['user_id'])
@Index('idx_login_session_expires', ['expires_at'])
export class LoginSessionEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Index('uq_login_session_hash', { unique: true })
  @Column({ type: 'varchar', length: 64, select: false })
  session_hash: string;

  @Column({ type: 'varchar', length: 36 })
  user_id: string;

  /** The user's token_epoch read before the password was verified. */
  @Column({ type: 'integer', default: 0 })
  user_epoch: number;

  @InstantColumn()
  created_at: number;

  @InstantColumn()
  expires_at: number;
}
