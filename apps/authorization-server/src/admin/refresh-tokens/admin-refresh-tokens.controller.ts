import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { AdminScope } from '../auth/admin-auth.guard.js';
import type { AdminPrincipal } from '../../bearer/token-standing.service.js';
import { Admin, AdminRoute, actorOf } from '../auth/admin-route.decorator.js';
import { AdminErrorDto } from '../common/admin-error.js';
import { AdminRefreshTokensService } from './admin-refresh-tokens.service.js';
import {
  ListRefreshTokensQueryDto,
  RefreshTokenDto,
  RefreshTokenPageDto,
  RevokeRefreshTokensDto,
  RevokedCountDto,
} from './refresh-token.dto.js';

const uuid = new ParseUUIDPipe({ version: undefined });

@ApiTags('admin: refresh tokens')
@ApiBadRequestResponse({ type: AdminErrorDto, description: 'Invalid parameters' })
@Controller('admin/refresh-tokens')
export class AdminRefreshTokensController {
  constructor(private readonly service: AdminRefreshTokensService) {}

  @Get()
  @AdminRoute(AdminScope.Read)
  @ApiOperation({ summary: 'List refresh tokens, newest first, with filters and cursor pagination' })
  @ApiOkResponse({ type: RefreshTokenPageDto })
  list(@Query() query: ListRefreshTokensQueryDto): Promise<RefreshTokenPageDto> {
    return this.service.list(query);
  }

  @Post('revoke')
  @HttpCode(200)
  @AdminRoute()
  @ApiOperation({ summary: 'Revoke every active family of a subject and/or client' })
  @ApiOkResponse({ type: RevokedCountDto })
  revokeMatching(@Body() body: RevokeRefreshTokensDto, @Admin() admin: AdminPrincipal): Promise<RevokedCountDto> {
    return this.service.revokeMatching(body, actorOf(admin));
  }

  @Get(':id')
  @AdminRoute(AdminScope.Read)
  @ApiOperation({ summary: 'One refresh token (never its value or hash)' })
  @ApiOkResponse({ type: RefreshTokenDto })
  @ApiNotFoundResponse({ type: AdminErrorDto })
  get(@Param('id', uuid) id: string): Promise<RefreshTokenDto> {
    return this.service.get(id);
  }

  @Delete(':id')
  @HttpCode(204)
  @AdminRoute()
  @ApiOperation({ summary: 'Revoke a refresh token and its whole family' })
  @ApiNoContentResponse({ description: 'Revoked (also when it already was)' })
  @ApiNotFoundResponse({ type: AdminErrorDto })
  revoke(@Param('id', uuid) id: string, @Admin() admin: AdminPrincipal): Promise<void> {
    return this.service.revoke(id, actorOf(admin));
  }
}
