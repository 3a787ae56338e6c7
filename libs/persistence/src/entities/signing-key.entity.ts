import { Column, Entity, PrimaryColumn } from 'typeorm';
import { InstantColumn } from './columns.js';

/** An access-token signing key, shared by every instance through the database. */
@Entity('signing_key')
export class SigningKeyEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  kid: string;

  @Column({ type: 'varchar', length: 16 })
  alg: string;

  /** Private JWK (JSON); never served. */
  @Column({ type: 'text', select: false })
  private_jwk: string;

  @Column({ type: 'text' })
  public_jwk: string;

  @InstantColumn()
  created_at: number;

  /** Set when the key stops signing; it stays in the JWKS until its tokens expired. */
  @InstantColumn({ nullable: true })
  retired_at: number | null;
}
