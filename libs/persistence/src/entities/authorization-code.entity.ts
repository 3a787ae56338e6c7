import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { InstantColumn } from './columns.js';

/** RFC 6749 4.1.2: a single-use, short-lived code bound to client, redirect_uri and PKCE challenge. */
@Entity('authorization_code')
@Index('idx_authorization_code_expiry', ['expires_at'])
export class AuthorizationCodeEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Index('uq_authorization_code_hash', { unique: true })
  @Column({ type: 'varchar', length: 64, select: false })
  code_hash: string;

  @Column({ type: 'varchar', length: 200 })
  client_id: string;

  @Column({ type: 'varchar', length: 36 })
  user_id: string;

  @Column({ type: 'text' })
  redirect_uri: string;

  /** RFC 6749 4.1.3: the request named redirect_uri itself, so the token request must repeat it. */
  @Column({ type: 'boolean', default: false })
  redirect_uri_sent: boolean;

  @Column({ type: 'text' })
  scope: string;

  @Column({ type: 'varchar', length: 128, nullable: true })
  code_challenge: string | null;

  @Column({ type: 'varchar', length: 8, nullable: true })
  code_challenge_method: string | null;

  /** RFC 9449 10: the thumbprint of the DPoP key the code exchange must prove (the request's dpop_jkt). */
  @Column({ type: 'varchar', length: 64, nullable: true })
  dpop_jkt?: string | null;

  /** The user's token_epoch of the sign-in the code comes from. */
  @Column({ type: 'integer', default: 0 })
  user_epoch: number;

  @InstantColumn()
  created_at: number;

  @InstantColumn()
  expires_at: number;

  @InstantColumn({ nullable: true })
  used_at: number | null;

  /** The grant the code was exchanged for: revoked when the code is presented again. */
  @Column({ type: 'varchar', length: 36, nullable: true })
  family_id: string | null;
}
