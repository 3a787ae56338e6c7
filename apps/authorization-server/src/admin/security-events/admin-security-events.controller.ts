import { Get, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import type { AdminPrincipal } from '../../bearer/token-standing.service.js';
import { AdminScope } from '../auth/admin-auth.guard.js';
import { Admin, AdminController, AdminRoute, actorOf } from '../auth/admin-route.decorator.js';
import { AdminSecurityEventsService } from './admin-security-events.service.js';
import { ListSecurityEventsQueryDto, SecurityEventDto, SecurityEventPageDto } from './security-event.dto.js';

const uuid = new ParseUUIDPipe({ version: undefined });

@AdminController('admin/security-events', 'admin: security events')
export class AdminSecurityEventsController {
  constructor(private readonly service: AdminSecurityEventsService) {}

  @Get()
  @AdminRoute({
    scope: AdminScope.Read,
    summary: 'Security events sent or to be sent to clients, newest first, with filters and cursor pagination',
    ok: SecurityEventPageDto,
  })
  list(@Query() query: ListSecurityEventsQueryDto): Promise<SecurityEventPageDto> {
    return this.service.list(query);
  }

  @Get(':id')
  @AdminRoute({
    scope: AdminScope.Read,
    summary: 'One security event with its delivery attempts',
    ok: SecurityEventDto,
    notFound: true,
  })
  get(@Param('id', uuid) id: string): Promise<SecurityEventDto> {
    return this.service.get(id);
  }

  @Post(':id/redeliver')
  @AdminRoute({
    summary: 'Queue a delivered or failed security event again (409 while it is pending); its attempts are kept',
    ok: SecurityEventDto,
    notFound: true,
  })
  redeliver(@Param('id', uuid) id: string, @Admin() admin: AdminPrincipal): Promise<SecurityEventDto> {
    return this.service.redeliver(id, actorOf(admin));
  }
}
