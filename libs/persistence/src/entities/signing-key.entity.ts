import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { InstantColumn } from './columns.js';

export const SIGNING_KEY_STATUSES = ['next', 'active', 'retiring', 'retired'] as const;
export type SigningKeyStatus = (typeof SIGNING_KEY_STATUSES)[number];

/**
 * An access-token signing key, shared by every instance through the database. Its life:
 * `next` (published in the JWKS, not yet signing), `active` (the one key that signs; a partial unique
 * index allows one), `retiring` (stopped signing, published until `retire_after`), `retired`.
 */
@Entity('signing_key')
@Index('uq_signing_key_active', ['status'], { unique: true, where: `status = 'active'` })
export class SigningKeyEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  kid: string;

  @Column({ type: 'varchar', length: 16 })
  alg: string;

  /**
   * The private key: an AES-256-GCM envelope (JSON naming the key-encryption key's id) when
   * KEY_ENCRYPTION_KEY is set, else the private JWK in clear. Never served, not even sealed.
   */
  @Column({ type: 'text', select: false })
  private_jwk: string;

  @Column({ type: 'text' })
  public_jwk: string;

  @Column({ type: 'varchar', length: 16 })
  status: SigningKeyStatus;

  /** When it was published (a `next` key may sign once SIGNING_KEY_PUBLISH_AHEAD has passed since). */
  @InstantColumn()
  created_at: number;

  @InstantColumn({ nullable: true })
  activated_at: number | null;

  /** When it stopped signing. */
  @InstantColumn({ nullable: true })
  retired_at: number | null;

  /** When a retiring key leaves the JWKS: every access token it signed has expired by then. */
  @InstantColumn({ nullable: true })
  retire_after: number | null;
}
