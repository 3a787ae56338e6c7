import { ApiProperty } from '@nestjs/swagger';
import { SIGNING_KEY_STATUSES, type SigningKeyEntity, type SigningKeyStatus } from '#persistence';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** A signing key as the admin API shows it: never its private half, not even encrypted. */
export class SigningKeyDto {
  @ApiProperty({ description: 'Key id (RFC 7638 thumbprint), the `kid` of the tokens it signs' }) kid: string;
  @ApiProperty({ enum: ['ES256', 'RS256', 'EdDSA'] }) alg: string;
  @ApiProperty({
    enum: SIGNING_KEY_STATUSES,
    description: 'next: published, not signing yet; active: signs; retiring: published until retire_after; retired',
  })
  status: SigningKeyStatus;
  @ApiProperty({ format: 'date-time', description: 'When it was generated and published' }) created_at: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) activated_at: string | null;
  @ApiProperty({
    format: 'date-time',
    nullable: true,
    type: String,
    description: 'When it leaves the JWKS: every access token it signed has expired',
  })
  retire_after: string | null;

  static fromEntity(k: SigningKeyEntity): SigningKeyDto {
    return {
      kid: k.kid,
      alg: k.alg,
      status: k.status,
      created_at: new Date(k.created_at).toISOString(),
      activated_at: iso(k.activated_at),
      retire_after: iso(k.retire_after),
    };
  }
}

export class SigningKeyListDto {
  @ApiProperty({ type: [SigningKeyDto], description: 'Oldest first' }) items: SigningKeyDto[];
}
