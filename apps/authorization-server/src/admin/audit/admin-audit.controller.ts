import { Controller, Get, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminScope } from '../auth/admin-auth.guard.js';
import { AdminRoute } from '../auth/admin-route.decorator.js';
import { AdminErrorDto } from '../common/admin-error.js';
import { AdminAuditService } from './admin-audit.service.js';
import { AuditEventPageDto, ListAuditEventsQueryDto } from './audit-event.dto.js';

@ApiTags('admin: audit')
@ApiBadRequestResponse({ type: AdminErrorDto, description: 'Invalid parameters' })
@Controller('admin/audit-events')
export class AdminAuditController {
  constructor(private readonly service: AdminAuditService) {}

  @Get()
  @AdminRoute(AdminScope.Read)
  @ApiOperation({ summary: 'Admin actions and security events, newest first' })
  @ApiOkResponse({ type: AuditEventPageDto })
  list(@Query() query: ListAuditEventsQueryDto): Promise<AuditEventPageDto> {
    return this.service.list(query);
  }
}
