import { Injectable, NotFoundException } from '@nestjs/common';
import { RevocationReason } from '#persistence';
import { AuditService } from '../../audit/audit.service.js';
import { AuthorizationCodesService } from '../../authorization/authorization-codes.service.js';
import { ConsentsService } from '../../authorization/consents.service.js';
import { DeviceAuthorizationsService } from '../../authorization/device-authorizations.service.js';
import {
  RefreshTokenRevocation,
  type RevocationReasonCode,
} from '../../revocation/refresh-token-revocation.service.js';
import { UsersService } from '../../users/users.service.js';
import { decodeCursor, page } from '../common/cursor.js';
import type { PageQueryDto } from '../common/list-query.dto.js';
import { CreateUserDto, UserDto, UserPageDto } from './user.dto.js';

/** User administration; disabling, deleting or a new password revokes the user's refresh tokens. */
@Injectable()
export class AdminUsersService {
  constructor(
    private readonly users: UsersService,
    private readonly consents: ConsentsService,
    private readonly codes: AuthorizationCodesService,
    private readonly devices: DeviceAuthorizationsService,
    private readonly revocation: RefreshTokenRevocation,
    private readonly audit: AuditService,
  ) {}

  async create(dto: CreateUserDto, actor: string): Promise<UserDto> {
    const user = await this.users.create(dto.username, dto.password);
    await this.audit.log({ actor, action: 'user.created', target_type: 'user', target_id: user.id });
    return UserDto.fromEntity(user);
  }

  async list(q: PageQueryDto): Promise<UserPageDto> {
    const rows = await this.users.list(q.limit, decodeCursor(q.cursor));
    const result = page(rows, q.limit, (u) => ({ at: u.created_at, id: u.id }));
    return { items: result.items.map((u) => UserDto.fromEntity(u)), next_cursor: result.next_cursor };
  }

  async get(id: string): Promise<UserDto> {
    return UserDto.fromEntity(await this.users.getOrThrow(id));
  }

  async disable(id: string, actor: string): Promise<UserDto> {
    const user = await this.users.setDisabled(id, true);
    await this.users.endSessions(id);
    await this.revokeAll(id, RevocationReason.UserDisabled, actor);
    await this.audit.log({ actor, action: 'user.disabled', target_type: 'user', target_id: id });
    return UserDto.fromEntity(user);
  }

  async enable(id: string, actor: string): Promise<UserDto> {
    const user = await this.users.setDisabled(id, false);
    await this.audit.log({ actor, action: 'user.enabled', target_type: 'user', target_id: id });
    return UserDto.fromEntity(user);
  }

  async setPassword(id: string, password: string, actor: string): Promise<void> {
    await this.users.setPassword(id, password);
    await this.revokeAll(id, RevocationReason.PasswordChanged, actor);
    await this.audit.log({ actor, action: 'user.password_changed', target_type: 'user', target_id: id });
  }

  async delete(id: string, actor: string): Promise<void> {
    await this.users.getOrThrow(id);
    await this.revokeAll(id, RevocationReason.UserDeleted, actor);
    await this.users.delete(id);
    await this.audit.log({ actor, action: 'user.deleted', target_type: 'user', target_id: id });
  }

  /**
   * Forgets the user's remembered consent for the client, discards the codes not yet exchanged, revokes
   * the device approvals no device has redeemed yet and the refresh-token families the client holds for
   * the user (reason `admin`): the grant ends with the consent. A device approval is consent given for
   * one device (never remembered, decision 15), so one awaiting its poll is enough to withdraw.
   */
  async withdrawConsent(id: string, clientId: string, actor: string): Promise<void> {
    // Approvals and codes before the revocation, so none is redeemed after it; the consent last, so a
    // failure can be retried.
    const approvals = await this.devices.revokeApproved(id, clientId);
    if (approvals === 0 && !(await this.consents.exists(id, clientId)))
      throw new NotFoundException(`user ${id} has no consent for client ${clientId}`);
    await this.codes.discardUnused(id, clientId);
    await this.revocation.revokeMatching({ subject: id, client_id: clientId }, RevocationReason.Admin, {
      actor,
      reason: `consent withdrawn for client ${clientId}`,
    });
    await this.consents.withdraw(id, clientId);
    await this.audit.log({ actor, action: 'consent.withdrawn', target_type: 'user', target_id: id, reason: clientId });
  }

  private async revokeAll(subject: string, reason: RevocationReasonCode, actor: string): Promise<void> {
    await this.revocation.revokeMatching({ subject }, reason, { actor, reason });
  }
}
