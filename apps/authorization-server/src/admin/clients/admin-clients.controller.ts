import { Body, Delete, Get, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ClientDto,
  ClientPageDto,
  ClientSecretDto,
  CreatedClientDto,
  UpdateClientDto,
} from '../../clients/dto/client.dto.js';
import { CreateClientDto } from '../../clients/dto/create-client.dto.js';
import { AdminScope } from '../auth/admin-auth.guard.js';
import type { AdminPrincipal } from '../../bearer/token-standing.service.js';
import { Admin, AdminController, AdminRoute, actorOf } from '../auth/admin-route.decorator.js';
import { PageQueryDto } from '../common/list-query.dto.js';
import { AdminClientsService } from './admin-clients.service.js';

@AdminController('admin/clients', 'admin: clients')
export class AdminClientsController {
  constructor(private readonly service: AdminClientsService) {}

  @Post()
  @AdminRoute({
    summary: 'Register a client (RFC 7591 metadata and token policy); the secret is shown once',
    created: CreatedClientDto,
  })
  create(@Body() body: CreateClientDto, @Admin() admin: AdminPrincipal): Promise<CreatedClientDto> {
    return this.service.create(body, actorOf(admin));
  }

  @Get()
  @AdminRoute({ scope: AdminScope.Read, summary: 'List clients, newest first', ok: ClientPageDto })
  list(@Query() query: PageQueryDto): Promise<ClientPageDto> {
    return this.service.list(query);
  }

  @Get(':client_id')
  @AdminRoute({ scope: AdminScope.Read, summary: 'One client', ok: ClientDto, notFound: true })
  get(@Param('client_id') clientId: string): Promise<ClientDto> {
    return this.service.get(clientId);
  }

  @Patch(':client_id')
  @AdminRoute({ summary: 'Change a client; omitted fields keep their value', ok: ClientDto, notFound: true })
  update(
    @Param('client_id') clientId: string,
    @Body() body: UpdateClientDto,
    @Admin() admin: AdminPrincipal,
  ): Promise<ClientDto> {
    return this.service.update(clientId, body, actorOf(admin));
  }

  @Post(':client_id/secret')
  @AdminRoute({ summary: 'Rotate the client secret; the new one is shown once', ok: ClientSecretDto, notFound: true })
  rotateSecret(@Param('client_id') clientId: string, @Admin() admin: AdminPrincipal): Promise<ClientSecretDto> {
    return this.service.rotateSecret(clientId, actorOf(admin));
  }

  @Delete(':client_id')
  @AdminRoute({ summary: 'Delete a client and revoke all its refresh tokens', noContent: 'Deleted', notFound: true })
  delete(@Param('client_id') clientId: string, @Admin() admin: AdminPrincipal): Promise<void> {
    return this.service.delete(clientId, actorOf(admin));
  }
}
