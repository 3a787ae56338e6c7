import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
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
import { Admin, AdminRoute, actorOf } from '../auth/admin-route.decorator.js';
import { AdminErrorDto } from '../common/admin-error.js';
import { PageQueryDto } from '../common/list-query.dto.js';
import { AdminClientsService } from './admin-clients.service.js';

@ApiTags('admin: clients')
@ApiBadRequestResponse({ type: AdminErrorDto, description: 'Invalid parameters' })
@Controller('admin/clients')
export class AdminClientsController {
  constructor(private readonly service: AdminClientsService) {}

  @Post()
  @AdminRoute()
  @ApiOperation({ summary: 'Register a client (RFC 7591 metadata and token policy); the secret is shown once' })
  @ApiCreatedResponse({ type: CreatedClientDto })
  create(@Body() body: CreateClientDto, @Admin() admin: AdminPrincipal): Promise<CreatedClientDto> {
    return this.service.create(body, actorOf(admin));
  }

  @Get()
  @AdminRoute(AdminScope.Read)
  @ApiOperation({ summary: 'List clients, newest first' })
  @ApiOkResponse({ type: ClientPageDto })
  list(@Query() query: PageQueryDto): Promise<ClientPageDto> {
    return this.service.list(query);
  }

  @Get(':client_id')
  @AdminRoute(AdminScope.Read)
  @ApiOperation({ summary: 'One client' })
  @ApiOkResponse({ type: ClientDto })
  @ApiNotFoundResponse({ type: AdminErrorDto })
  get(@Param('client_id') clientId: string): Promise<ClientDto> {
    return this.service.get(clientId);
  }

  @Patch(':client_id')
  @AdminRoute()
  @ApiOperation({ summary: 'Change a client; omitted fields keep their value' })
  @ApiOkResponse({ type: ClientDto })
  @ApiNotFoundResponse({ type: AdminErrorDto })
  update(
    @Param('client_id') clientId: string,
    @Body() body: UpdateClientDto,
    @Admin() admin: AdminPrincipal,
  ): Promise<ClientDto> {
    return this.service.update(clientId, body, actorOf(admin));
  }

  @Post(':client_id/secret')
  @HttpCode(200)
  @AdminRoute()
  @ApiOperation({ summary: 'Rotate the client secret; the new one is shown once' })
  @ApiOkResponse({ type: ClientSecretDto })
  @ApiNotFoundResponse({ type: AdminErrorDto })
  rotateSecret(@Param('client_id') clientId: string, @Admin() admin: AdminPrincipal): Promise<ClientSecretDto> {
    return this.service.rotateSecret(clientId, actorOf(admin));
  }

  @Delete(':client_id')
  @HttpCode(204)
  @AdminRoute()
  @ApiOperation({ summary: 'Delete a client and revoke all its refresh tokens' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiNotFoundResponse({ type: AdminErrorDto })
  delete(@Param('client_id') clientId: string, @Admin() admin: AdminPrincipal): Promise<void> {
    return this.service.delete(clientId, actorOf(admin));
  }
}
