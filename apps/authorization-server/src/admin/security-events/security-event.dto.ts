import { NO_CONTROL_CHARACTERS } from '#oauth';
import {
  SECURITY_EVENT_STATUSES,
  type SecurityEventAttemptEntity,
  type SecurityEventEntity,
  type SecurityEventStatus,
} from '#persistence';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { SECURITY_EVENT_TYPES, eventUri } from '../../security-events/security-event-types.js';
import { iso } from '../common/cursor.js';
import { PageQueryDto } from '../common/list-query.dto.js';

export class ListSecurityEventsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'The receiving client' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  @Matches(NO_CONTROL_CHARACTERS, { message: 'client_id must not contain control characters' })
  client_id?: string;

  @ApiPropertyOptional({ enum: SECURITY_EVENT_TYPES })
  @IsOptional()
  @IsIn(SECURITY_EVENT_TYPES)
  type?: string;

  @ApiPropertyOptional({ enum: SECURITY_EVENT_STATUSES })
  @IsOptional()
  @IsIn(SECURITY_EVENT_STATUSES)
  status?: SecurityEventStatus;
}

export class SecurityEventAttemptDto {
  @ApiProperty({ format: 'date-time' }) attempted_at: string;
  @ApiProperty({ nullable: true, type: Number, description: 'the receiver’s HTTP status; null when none came' })
  status_code: number | null;
  @ApiProperty({ nullable: true, type: String }) error: string | null;
  @ApiProperty() duration_ms: number;

  static fromEntity(a: SecurityEventAttemptEntity): SecurityEventAttemptDto {
    return {
      attempted_at: new Date(a.attempted_at).toISOString(),
      status_code: a.status_code,
      error: a.error,
      duration_ms: a.duration_ms,
    };
  }
}

/** An outbox row as the admin API shows it (the SET's claims, never the signed token). */
export class SecurityEventDto {
  @ApiProperty({ format: 'uuid', description: 'the SET’s jti' }) id: string;
  @ApiProperty({ format: 'uuid', description: 'the SET’s txn' }) txn: string;
  @ApiProperty() client_id: string;
  @ApiProperty({ enum: SECURITY_EVENT_TYPES }) type: string;
  @ApiProperty({ description: 'the event URI in the SET’s events claim' }) event_uri: string;
  @ApiProperty({ nullable: true, type: String }) subject: string | null;
  @ApiProperty({ type: [String] }) family_ids: string[];
  @ApiProperty({ nullable: true, type: String }) reason: string | null;
  @ApiProperty({ enum: SECURITY_EVENT_STATUSES }) status: SecurityEventStatus;
  @ApiProperty({ description: 'attempts made, re-deliveries included' }) attempts: number;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String, description: 'pending: when it is due' })
  next_attempt_at: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) delivered_at: string | null;
  @ApiProperty({ nullable: true, type: String }) last_error: string | null;
  @ApiPropertyOptional({ type: [SecurityEventAttemptDto], description: 'oldest first (one event only)' })
  attempt_log?: SecurityEventAttemptDto[];

  static fromEntity(e: SecurityEventEntity, issuer: string, attempts?: SecurityEventAttemptEntity[]): SecurityEventDto {
    return {
      id: e.id,
      txn: e.txn,
      client_id: e.client_id,
      type: e.type,
      event_uri: eventUri(issuer, e.type),
      subject: e.subject,
      family_ids: e.family_ids,
      reason: e.reason,
      status: e.status,
      attempts: e.attempts,
      created_at: new Date(e.created_at).toISOString(),
      next_attempt_at: e.status === 'pending' ? iso(e.next_attempt_at) : null,
      delivered_at: iso(e.delivered_at),
      last_error: e.last_error,
      ...(attempts ? { attempt_log: attempts.map((a) => SecurityEventAttemptDto.fromEntity(a)) } : {}),
    };
  }
}

export class SecurityEventPageDto {
  @ApiProperty({ type: [SecurityEventDto] }) items: SecurityEventDto[];
  @ApiProperty({ nullable: true, type: String }) next_cursor: string | null;
}
