import { Get, Query } from '@nestjs/common';
import { AdminScope } from '../auth/admin-auth.guard.js';
import { AdminController, AdminRoute } from '../auth/admin-route.decorator.js';
import { AdminAuditService } from './admin-audit.service.js';
import { AuditEventPageDto, ListAuditEventsQueryDto } from './audit-event.dto.js';

@AdminController('admin/audit-events', 'admin: audit')
export class AdminAuditController {
  constructor(private readonly service: AdminAuditService) {}

  @Get()
  @AdminRoute({
    scope: AdminScope.Read,
    summary: 'Admin actions and security events, newest first',
    ok: AuditEventPageDto,
  })
  list(@Query() query: ListAuditEventsQueryDto): Promise<AuditEventPageDto> {
    return this.service.list(query);
  }
}
