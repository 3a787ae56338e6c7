import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { ADDRESS_LENGTH, USER_AGENT_LENGTH } from '../request-origin.js';
import { InstantColumn } from './columns.js';

/** The grant: every refresh token descending from one authorization shares it. */
@Entity('refresh_token_family')
@Index('idx_family_client', ['client_id', 'created_at'])
@Index('idx_family_subject', ['subject', 'created_at'])
@Index('idx_family_expires', ['expires_at'])
@Index('idx_family_revoked', ['revoked_at'], { where: 'revoked_at IS NOT NULL' })
export class RefreshTokenFamilyEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ type: 'varchar', length: 200 })
  client_id: string;

  @Column({ type: 'varchar', length: 200 })
  subject: string;

  /** The scope originally granted: the ceiling of every refresh. */
  @Column({ type: 'text' })
  scope: string;

  /** The user's token_epoch when the grant was made; a moved epoch refuses every refresh. */
  @Column({ type: 'integer', default: 0 })
  user_epoch: number;

  /** RFC 9449: thumbprint (RFC 7638, SHA-256) of the DPoP key every refresh must prove; null when unbound. */
  @Column({ type: 'varchar', length: 64, nullable: true })
  dpop_jkt: string | null;

  @InstantColumn()
  created_at: number;

  /** Absolute expiry; rotation never moves it. */
  @InstantColumn()
  expires_at: number;

  @InstantColumn({ nullable: true })
  revoked_at: number | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  revoked_reason: string | null;

  /**
   * RFC 9700 4.14: the replay that revoked the family (the first one only): which token was presented
   * again (null for a replayed authorization code), when, and from where.
   */
  @Column({ type: 'varchar', length: 36, nullable: true })
  replayed_token_id: string | null;

  @InstantColumn({ nullable: true })
  replayed_at: number | null;

  @Column({ type: 'varchar', length: ADDRESS_LENGTH, nullable: true })
  replayed_address: string | null;

  @Column({ type: 'varchar', length: USER_AGENT_LENGTH, nullable: true })
  replayed_user_agent: string | null;
}
