import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { ADDRESS_LENGTH, USER_AGENT_LENGTH } from '../request-origin.js';
import { InstantColumn } from './columns.js';

/** One refresh token of a family. Only its SHA-256 is stored; the token value carries the row's id. */
@Entity('refresh_token')
@Index('idx_refresh_token_family', ['family_id', 'issued_at', 'id'])
@Index('idx_refresh_token_issued', ['issued_at', 'id'])
@Index('idx_refresh_token_client', ['client_id', 'issued_at', 'id'])
@Index('idx_refresh_token_subject', ['subject', 'issued_at', 'id'])
export class RefreshTokenEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ type: 'varchar', length: 36 })
  family_id: string;

  /** Copied from the family: the admin list filters and pages on them. */
  @Column({ type: 'varchar', length: 200 })
  client_id: string;

  @Column({ type: 'varchar', length: 200 })
  subject: string;

  /** The token this one replaced on rotation. */
  @Column({ type: 'varchar', length: 36, nullable: true })
  parent_id: string | null;

  /**
   * SHA-256 (hex) of the whole token value. SQLite checks it on the row found by the id the token
   * carries; PostgreSQL finds the row by it (unique index `uq_refresh_token_hash`, PostgreSQL only).
   */
  @Column({ type: 'varchar', length: 64, select: false })
  token_hash: string;

  /**
   * SQLite: the same hash for tokens issued before the value carried the row's id (migration
   * 1764600000000), which are found by it; NULL for every newer token. Unused on PostgreSQL.
   */
  @Index('uq_refresh_token_legacy_hash', { unique: true, where: 'legacy_token_hash IS NOT NULL' })
  @Column({ type: 'varchar', length: 64, nullable: true, select: false })
  legacy_token_hash: string | null;

  @Column({ type: 'text' })
  scope: string;

  @InstantColumn()
  issued_at: number;

  /** Idle expiry, never later than the family's absolute expiry. */
  @InstantColumn()
  expires_at: number;

  /** Set once, when the token is rotated. */
  @InstantColumn({ nullable: true })
  used_at: number | null;

  /** The address (req.ip) of the request that rotated it, written with used_at; never a token value. */
  @Column({ type: 'varchar', length: ADDRESS_LENGTH, nullable: true })
  used_address: string | null;

  /** The User-Agent of the request that rotated it (bounded, control characters stripped); null without one. */
  @Column({ type: 'varchar', length: USER_AGENT_LENGTH, nullable: true })
  used_user_agent: string | null;

  @InstantColumn({ nullable: true })
  last_used_at: number | null;

  @InstantColumn({ nullable: true })
  revoked_at: number | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  revoked_reason: string | null;
}
