import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
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
}
