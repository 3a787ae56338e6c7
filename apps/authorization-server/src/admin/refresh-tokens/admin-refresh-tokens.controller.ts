import { Body, Delete, Get, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { AdminScope } from '../auth/admin-auth.guard.js';
import type { AdminPrincipal } from '../../bearer/token-standing.service.js';
import { Admin, AdminController, AdminRoute, actorOf } from '../auth/admin-route.decorator.js';
import { AdminRefreshTokensService } from './admin-refresh-tokens.service.js';
import {
  ListRefreshTokensQueryDto,
  RefreshTokenDto,
  RefreshTokenPageDto,
  RevokeRefreshTokensDto,
  RevokedCountDto,
} from './refresh-token.dto.js';

const uuid = new ParseUUIDPipe({ version: undefined });

@AdminController('admin/refresh-tokens', 'admin: refresh tokens')
export class AdminRefreshTokensController {
  constructor(private readonly service: AdminRefreshTokensService) {}

  @Get()
  @AdminRoute({
    scope: AdminScope.Read,
    summary: 'List refresh tokens, newest first, with filters and cursor pagination',
    ok: RefreshTokenPageDto,
  })
  list(@Query() query: ListRefreshTokensQueryDto): Promise<RefreshTokenPageDto> {
    return this.service.list(query);
  }

  @Post('revoke')
  @AdminRoute({ summary: 'Revoke every active family of a subject and/or client', ok: RevokedCountDto })
  revokeMatching(@Body() body: RevokeRefreshTokensDto, @Admin() admin: AdminPrincipal): Promise<RevokedCountDto> {
    return this.service.revokeMatching(body, actorOf(admin));
  }

  @Get(':id')
  @AdminRoute({
    scope: AdminScope.Read,
    summary: 'One refresh token (never its value or hash)',
    ok: RefreshTokenDto,
    notFound: true,
  })
  get(@Param('id', uuid) id: string): Promise<RefreshTokenDto> {
    return this.service.get(id);
  }

  @Delete(':id')
  @AdminRoute({
    summary: 'Revoke a refresh token and its whole family',
    noContent: 'Revoked (also when it already was)',
    notFound: true,
  })
  revoke(@Param('id', uuid) id: string, @Admin() admin: AdminPrincipal): Promise<void> {
    return this.service.revoke(id, actorOf(admin));
  }
}
