import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { InstantColumn } from './columns.js';

/** A resource owner. `id` is the `sub` of the tokens issued for them. */
@Entity('app_user')
@Index('uq_app_user_username', ['username'], { unique: true })
@Index('idx_app_user_created', ['created_at', 'id'])
export class UserEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ type: 'varchar', length: 200 })
  username: string;

  /** scrypt$N$r$p$salt$hash, never selected unless asked for. */
  @Column({ type: 'varchar', length: 255, select: false })
  password_hash: string;

  @InstantColumn({ nullable: true })
  disabled_at: number | null;

  /**
   * Moves on every disable and password change: sessions, codes and refresh-token families record
   * the epoch read before the password was verified, and are refused once it moved.
   */
  @Column({ type: 'integer', default: 0 })
  token_epoch: number;

  @InstantColumn()
  created_at: number;

  @InstantColumn()
  updated_at: number;
}
