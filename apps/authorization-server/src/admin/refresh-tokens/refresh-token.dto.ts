import { NO_CONTROL_CHARACTERS } from '#oauth';
import { REFRESH_TOKEN_STATUSES, type RefreshTokenStatus } from '#persistence';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsRFC3339, IsOptional, IsString, IsUUID, Matches, MaxLength } from 'class-validator';
import { PageQueryDto } from '../common/list-query.dto.js';

export const TOKEN_STATUSES = REFRESH_TOKEN_STATUSES;
export type TokenStatus = RefreshTokenStatus;

export class ListRefreshTokensQueryDto extends PageQueryDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(200)
  @Matches(NO_CONTROL_CHARACTERS, { message: 'client_id must not contain control characters' })
  client_id?: string;

  @ApiPropertyOptional({ description: 'The user id (sub)' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  @Matches(NO_CONTROL_CHARACTERS, { message: 'subject must not contain control characters' })
  subject?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  family_id?: string;

  @ApiPropertyOptional({ enum: TOKEN_STATUSES })
  @IsOptional()
  @IsIn(TOKEN_STATUSES)
  status?: TokenStatus;

  @ApiPropertyOptional({ format: 'date-time', description: 'Issued at or after' })
  @IsOptional()
  @IsRFC3339()
  issued_after?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Issued before' })
  @IsOptional()
  @IsRFC3339()
  issued_before?: string;
}

export class RefreshTokenDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) family_id: string;
  @ApiProperty({
    description: "The family's lineage (GET): every token of it, where each was used from, and any replay",
    example: '/admin/refresh-token-families/0193a3f2-7c1e-7b2a-9d4e-5f6a7b8c9d0e',
  })
  family_url: string;
  @ApiProperty() client_id: string;
  @ApiProperty({ description: 'The user id (sub)' }) subject: string;
  @ApiProperty({ example: 'read write' }) scope: string;
  @ApiProperty({ format: 'date-time' }) issued_at: string;
  @ApiProperty({ format: 'date-time', description: 'Idle expiry, never after the family ends' }) expires_at: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) last_used_at: string | null;
  @ApiProperty({ enum: TOKEN_STATUSES }) status: TokenStatus;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) revoked_at: string | null;
  @ApiProperty({ nullable: true, type: String, example: 'replay_detected' }) revoked_reason: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description:
      'RFC 9449: the RFC 7638 SHA-256 thumbprint of the DPoP key the family is bound to (every refresh must prove it); null when unbound',
    example: '0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I',
  })
  dpop_jkt: string | null;
}

export class RefreshTokenPageDto {
  @ApiProperty({ type: [RefreshTokenDto] }) items: RefreshTokenDto[];
  @ApiProperty({ nullable: true, type: String, description: 'Pass back as cursor for the next page; null on the last' })
  next_cursor: string | null;
}

export class RevokeRefreshTokensDto {
  @ApiPropertyOptional({ description: 'Revoke the families of this user id' })
  @IsOptional()
  @IsString()
  @Matches(/^[^\p{Cc}]{1,200}$/u, { message: 'subject must be 1-200 characters without control characters' })
  subject?: string;

  @ApiPropertyOptional({ description: 'Revoke the families of this client' })
  @IsOptional()
  @IsString()
  @Matches(/^[^\p{Cc}]{1,200}$/u, { message: 'client_id must be 1-200 characters without control characters' })
  client_id?: string;
}

export class RevokedCountDto {
  @ApiProperty({ description: 'Families revoked' }) revoked: number;
}
