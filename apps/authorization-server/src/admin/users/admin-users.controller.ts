import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Put, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiCreatedResponse,
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
import { PageQueryDto } from '../common/list-query.dto.js';
import { AdminUsersService } from './admin-users.service.js';
import { CreateUserDto, SetPasswordDto, UserDto, UserPageDto } from './user.dto.js';

const uuid = new ParseUUIDPipe();

@ApiTags('admin: users')
@ApiBadRequestResponse({ type: AdminErrorDto, description: 'Invalid parameters' })
@Controller('admin/users')
export class AdminUsersController {
  constructor(private readonly service: AdminUsersService) {}

  @Post()
  @AdminRoute()
  @ApiOperation({ summary: 'Create a user (resource owner); its id is the sub of its tokens' })
  @ApiCreatedResponse({ type: UserDto })
  create(@Body() body: CreateUserDto, @Admin() admin: AdminPrincipal): Promise<UserDto> {
    return this.service.create(body, actorOf(admin));
  }

  @Get()
  @AdminRoute(AdminScope.Read)
  @ApiOperation({ summary: 'List users, newest first' })
  @ApiOkResponse({ type: UserPageDto })
  list(@Query() query: PageQueryDto): Promise<UserPageDto> {
    return this.service.list(query);
  }

  @Get(':id')
  @AdminRoute(AdminScope.Read)
  @ApiOperation({ summary: 'One user' })
  @ApiOkResponse({ type: UserDto })
  @ApiNotFoundResponse({ type: AdminErrorDto })
  get(@Param('id', uuid) id: string): Promise<UserDto> {
    return this.service.get(id);
  }

  @Post(':id/disable')
  @HttpCode(200)
  @AdminRoute()
  @ApiOperation({ summary: 'Disable a user and revoke all its refresh tokens' })
  @ApiOkResponse({ type: UserDto })
  @ApiNotFoundResponse({ type: AdminErrorDto })
  disable(@Param('id', uuid) id: string, @Admin() admin: AdminPrincipal): Promise<UserDto> {
    return this.service.disable(id, actorOf(admin));
  }

  @Post(':id/enable')
  @HttpCode(200)
  @AdminRoute()
  @ApiOperation({ summary: 'Enable a disabled user' })
  @ApiOkResponse({ type: UserDto })
  @ApiNotFoundResponse({ type: AdminErrorDto })
  enable(@Param('id', uuid) id: string, @Admin() admin: AdminPrincipal): Promise<UserDto> {
    return this.service.enable(id, actorOf(admin));
  }

  @Put(':id/password')
  @HttpCode(204)
  @AdminRoute()
  @ApiOperation({ summary: 'Set a new password and revoke all the user’s refresh tokens' })
  @ApiNoContentResponse({ description: 'Changed' })
  @ApiNotFoundResponse({ type: AdminErrorDto })
  setPassword(
    @Param('id', uuid) id: string,
    @Body() body: SetPasswordDto,
    @Admin() admin: AdminPrincipal,
  ): Promise<void> {
    return this.service.setPassword(id, body.password, actorOf(admin));
  }

  @Delete(':id/consents/:client_id')
  @HttpCode(204)
  @AdminRoute()
  @ApiOperation({
    summary: 'Withdraw the user’s remembered consent for a client and revoke that client’s refresh tokens for the user',
  })
  @ApiNoContentResponse({ description: 'Withdrawn' })
  @ApiNotFoundResponse({ type: AdminErrorDto, description: 'No such consent' })
  withdrawConsent(
    @Param('id', uuid) id: string,
    @Param('client_id') clientId: string,
    @Admin() admin: AdminPrincipal,
  ): Promise<void> {
    return this.service.withdrawConsent(id, clientId, actorOf(admin));
  }

  @Delete(':id')
  @HttpCode(204)
  @AdminRoute()
  @ApiOperation({ summary: 'Delete a user and revoke all its refresh tokens' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiNotFoundResponse({ type: AdminErrorDto })
  delete(@Param('id', uuid) id: string, @Admin() admin: AdminPrincipal): Promise<void> {
    return this.service.delete(id, actorOf(admin));
  }
}
