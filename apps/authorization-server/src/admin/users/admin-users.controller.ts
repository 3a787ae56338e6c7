import { Body, Delete, Get, Param, ParseUUIDPipe, Post, Put, Query } from '@nestjs/common';
import { AdminScope } from '../auth/admin-auth.guard.js';
import type { AdminPrincipal } from '../../bearer/token-standing.service.js';
import { Admin, AdminController, AdminRoute, actorOf } from '../auth/admin-route.decorator.js';
import { PageQueryDto } from '../common/list-query.dto.js';
import { AdminUsersService } from './admin-users.service.js';
import { CreateUserDto, SetPasswordDto, UserDto, UserPageDto } from './user.dto.js';

const uuid = new ParseUUIDPipe();

@AdminController('admin/users', 'admin: users')
export class AdminUsersController {
  constructor(private readonly service: AdminUsersService) {}

  @Post()
  @AdminRoute({ summary: 'Create a user (resource owner); its id is the sub of its tokens', created: UserDto })
  create(@Body() body: CreateUserDto, @Admin() admin: AdminPrincipal): Promise<UserDto> {
    return this.service.create(body, actorOf(admin));
  }

  @Get()
  @AdminRoute({ scope: AdminScope.Read, summary: 'List users, newest first', ok: UserPageDto })
  list(@Query() query: PageQueryDto): Promise<UserPageDto> {
    return this.service.list(query);
  }

  @Get(':id')
  @AdminRoute({ scope: AdminScope.Read, summary: 'One user', ok: UserDto, notFound: true })
  get(@Param('id', uuid) id: string): Promise<UserDto> {
    return this.service.get(id);
  }

  @Post(':id/disable')
  @AdminRoute({ summary: 'Disable a user and revoke all its refresh tokens', ok: UserDto, notFound: true })
  disable(@Param('id', uuid) id: string, @Admin() admin: AdminPrincipal): Promise<UserDto> {
    return this.service.disable(id, actorOf(admin));
  }

  @Post(':id/enable')
  @AdminRoute({ summary: 'Enable a disabled user', ok: UserDto, notFound: true })
  enable(@Param('id', uuid) id: string, @Admin() admin: AdminPrincipal): Promise<UserDto> {
    return this.service.enable(id, actorOf(admin));
  }

  @Put(':id/password')
  @AdminRoute({
    summary: 'Set a new password and revoke all the user’s refresh tokens',
    noContent: 'Changed',
    notFound: true,
  })
  setPassword(
    @Param('id', uuid) id: string,
    @Body() body: SetPasswordDto,
    @Admin() admin: AdminPrincipal,
  ): Promise<void> {
    return this.service.setPassword(id, body.password, actorOf(admin));
  }

  @Delete(':id/consents/:client_id')
  @AdminRoute({
    summary:
      'Withdraw the user’s consent for a client: its remembered consent, the device approvals not yet redeemed, and that client’s refresh tokens for the user',
    noContent: 'Withdrawn',
    notFound: 'No such consent',
  })
  withdrawConsent(
    @Param('id', uuid) id: string,
    @Param('client_id') clientId: string,
    @Admin() admin: AdminPrincipal,
  ): Promise<void> {
    return this.service.withdrawConsent(id, clientId, actorOf(admin));
  }

  @Delete(':id')
  @AdminRoute({ summary: 'Delete a user and revoke all its refresh tokens', noContent: 'Deleted', notFound: true })
  delete(@Param('id', uuid) id: string, @Admin() admin: AdminPrincipal): Promise<void> {
    return this.service.delete(id, actorOf(admin));
  }
}
