import { Injectable } from '@nestjs/common';
import { RevocationReason } from '#persistence';
import { AuditService } from '../../audit/audit.service.js';
import { RefreshTokenRevocation } from '../../revocation/refresh-token-revocation.service.js';
import { ClientRegistrationService } from '../../clients/client-registration.service.js';
import {
  ClientDto,
  ClientPageDto,
  ClientSecretDto,
  CreatedClientDto,
  UpdateClientDto,
} from '../../clients/dto/client.dto.js';
import { CreateClientDto } from '../../clients/dto/create-client.dto.js';
import { decodeCursor, page } from '../common/cursor.js';
import type { PageQueryDto } from '../common/list-query.dto.js';

/** Client administration, with an audit record for every change. */
@Injectable()
export class AdminClientsService {
  constructor(
    private readonly clients: ClientRegistrationService,
    private readonly revocation: RefreshTokenRevocation,
    private readonly audit: AuditService,
  ) {}

  async create(dto: CreateClientDto, actor: string): Promise<CreatedClientDto> {
    const { client, client_secret } = await this.clients.create(dto);
    await this.audit.log({ actor, action: 'client.created', target_type: 'client', target_id: client.client_id });
    return { ...ClientDto.fromEntity(client), ...(client_secret === undefined ? {} : { client_secret }) };
  }

  async list(q: PageQueryDto): Promise<ClientPageDto> {
    const rows = await this.clients.list(q.limit, decodeCursor(q.cursor));
    const result = page(rows, q.limit, (c) => ({ at: c.created_at, id: c.client_id }));
    return { items: result.items.map((c) => ClientDto.fromEntity(c)), next_cursor: result.next_cursor };
  }

  async get(clientId: string): Promise<ClientDto> {
    return ClientDto.fromEntity(await this.clients.getOrThrow(clientId));
  }

  async update(clientId: string, dto: UpdateClientDto, actor: string): Promise<ClientDto> {
    const client = await this.clients.update(clientId, dto);
    await this.audit.log({
      actor,
      action: 'client.updated',
      target_type: 'client',
      target_id: clientId,
      reason: Object.keys(dto).join(', '),
    });
    return ClientDto.fromEntity(client);
  }

  async rotateSecret(clientId: string, actor: string): Promise<ClientSecretDto> {
    const client_secret = await this.clients.rotateSecret(clientId);
    await this.audit.log({ actor, action: 'client.secret_rotated', target_type: 'client', target_id: clientId });
    return { client_id: clientId, client_secret };
  }

  /** Revokes every family of the client, then deletes it; its revoked tokens stay listed. */
  async delete(clientId: string, actor: string): Promise<void> {
    await this.clients.getOrThrow(clientId);
    await this.revocation.revokeMatching({ client_id: clientId }, RevocationReason.ClientDeleted, {
      actor,
      reason: 'client deleted',
    });
    await this.clients.delete(clientId);
    await this.audit.log({ actor, action: 'client.deleted', target_type: 'client', target_id: clientId });
  }
}
