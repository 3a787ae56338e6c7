import { REFRESH_TOKEN_FAMILY_STATUSES, type RefreshTokenFamilyStatus } from '#persistence';
import { ApiProperty } from '@nestjs/swagger';
import { TOKEN_STATUSES, type TokenStatus } from './refresh-token.dto.js';

/** The path of a family's lineage, which the refresh-token list links to as `family_url`. */
export const familyUrl = (familyId: string): string => `/admin/refresh-token-families/${familyId}`;

export class RequestOriginDto {
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'The client address (as TRUST_PROXY decides), at most 64 characters',
    example: '203.0.113.7',
  })
  address: string | null;

  @ApiProperty({
    nullable: true,
    type: String,
    description: 'The User-Agent header, at most 200 characters, control characters stripped; null without one',
    example: 'okhttp/4.12.0',
  })
  user_agent: string | null;
}

export class LineageTokenDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({
    format: 'uuid',
    nullable: true,
    type: String,
    description: 'The token it replaced; null for the first',
  })
  parent_id: string | null;
  @ApiProperty({ format: 'date-time' }) issued_at: string;
  @ApiProperty({ format: 'date-time', description: 'Idle expiry, never after the family ends' }) expires_at: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String, description: 'When it was rotated' })
  used_at: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) revoked_at: string | null;
  @ApiProperty({ nullable: true, type: String, example: 'replay_detected' }) revoked_reason: string | null;
  @ApiProperty({ enum: TOKEN_STATUSES }) status: TokenStatus;
  @ApiProperty({
    type: RequestOriginDto,
    nullable: true,
    description: 'Where the request that used (rotated) it came from; null while unused',
  })
  used_from: RequestOriginDto | null;
}

export class ReplaySuccessorDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'date-time' }) used_at: string;
  @ApiProperty({ nullable: true, type: String }) address: string | null;
  @ApiProperty({ nullable: true, type: String }) user_agent: string | null;
}

export class FamilyReplayDto {
  @ApiProperty({
    format: 'uuid',
    nullable: true,
    type: String,
    description: 'The refresh token presented again; null when the authorization code was (code_replay)',
  })
  token_id: string | null;
  @ApiProperty({ format: 'date-time' }) presented_at: string;
  @ApiProperty({ nullable: true, type: String, example: '198.51.100.23' }) address: string | null;
  @ApiProperty({ nullable: true, type: String }) user_agent: string | null;
  @ApiProperty({
    type: ReplaySuccessorDto,
    nullable: true,
    description:
      'The rightful successor of the replayed token (its child that was used) and where it was used; null when none was',
  })
  successor: ReplaySuccessorDto | null;
}

export class RefreshTokenFamilyDto {
  @ApiProperty({ format: 'uuid' }) family_id: string;
  @ApiProperty() client_id: string;
  @ApiProperty({ description: 'The user id (sub)' }) subject: string;
  @ApiProperty({ example: 'read write', description: 'The scope granted: the ceiling of every refresh' })
  scope: string;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time', description: 'Absolute expiry; rotation never moves it' }) expires_at: string;
  @ApiProperty({ enum: REFRESH_TOKEN_FAMILY_STATUSES, description: 'revoked, past its absolute expiry, or active' })
  status: RefreshTokenFamilyStatus;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) revoked_at: string | null;
  @ApiProperty({ nullable: true, type: String, example: 'replay_detected' }) revoked_reason: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'RFC 9449: the thumbprint of the DPoP key the family is bound to; null when unbound',
  })
  dpop_jkt: string | null;
  @ApiProperty({ type: [LineageTokenDto], description: 'Every token of the family, in issue order' })
  tokens: LineageTokenDto[];
  @ApiProperty({
    type: FamilyReplayDto,
    nullable: true,
    description:
      'RFC 9700 4.14: the replay that revoked the family (the first one), beside where its rightful successor was used; null otherwise',
  })
  replay: FamilyReplayDto | null;
}
