import { NO_CONTROL_CHARACTERS } from '#oauth';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsRFC3339, IsOptional, IsString, MaxLength, Matches } from 'class-validator';
import type { AuditEventEntity } from '#persistence';
import { PageQueryDto } from '../common/list-query.dto.js';

export class ListAuditEventsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ example: 'refresh_token.reuse_detected' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  @Matches(NO_CONTROL_CHARACTERS, { message: 'action must not contain control characters' })
  action?: string;

  @ApiPropertyOptional({ example: 'admin:ops' })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  @Matches(NO_CONTROL_CHARACTERS, { message: 'actor must not contain control characters' })
  actor?: string;

  @ApiPropertyOptional({ description: 'Id of the client, user, family or subject acted on' })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  @Matches(NO_CONTROL_CHARACTERS, { message: 'target_id must not contain control characters' })
  target_id?: string;

  @ApiPropertyOptional({ format: 'date-time' })
  @IsOptional()
  @IsRFC3339()
  occurred_after?: string;

  @ApiPropertyOptional({ format: 'date-time' })
  @IsOptional()
  @IsRFC3339()
  occurred_before?: string;
}

export class AuditEventDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'date-time' }) occurred_at: string;
  @ApiProperty({ example: 'admin:ops' }) actor: string;
  @ApiProperty({ example: 'client.created' }) action: string;
  @ApiProperty({ example: 'client' }) target_type: string;
  @ApiProperty() target_id: string;
  @ApiProperty({ nullable: true, type: String }) reason: string | null;

  static fromEntity(e: AuditEventEntity): AuditEventDto {
    return { ...e, occurred_at: new Date(e.occurred_at).toISOString() };
  }
}

export class AuditEventPageDto {
  @ApiProperty({ type: [AuditEventDto] }) items: AuditEventDto[];
  @ApiProperty({ nullable: true, type: String }) next_cursor: string | null;
}
