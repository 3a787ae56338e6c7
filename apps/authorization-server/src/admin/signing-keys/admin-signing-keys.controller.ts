import { Get, Post } from '@nestjs/common';
import { ApiConflictResponse } from '@nestjs/swagger';
import { AdminScope } from '../auth/admin-auth.guard.js';
import type { AdminPrincipal } from '../../bearer/token-standing.service.js';
import { Admin, AdminController, AdminRoute, actorOf } from '../auth/admin-route.decorator.js';
import { AdminErrorDto } from '../common/admin-error.js';
import { AdminSigningKeysService } from './admin-signing-keys.service.js';
import { SigningKeyListDto } from './signing-key.dto.js';

@AdminController('admin/signing-keys', 'admin: signing keys')
export class AdminSigningKeysController {
  constructor(private readonly service: AdminSigningKeysService) {}

  @Get()
  @AdminRoute({
    scope: AdminScope.Read,
    summary: 'The access-token signing keys and their status, oldest first',
    ok: SigningKeyListDto,
  })
  list(): Promise<SigningKeyListDto> {
    return this.service.list();
  }

  @Post('rotate')
  @AdminRoute({
    summary:
      'The next key (published at least SIGNING_KEY_PUBLISH_AHEAD seconds ago) signs from now on; the active one ' +
      'stays in the JWKS until its tokens expired, and a new next key is published',
    ok: SigningKeyListDto,
  })
  @ApiConflictResponse({
    type: AdminErrorDto,
    description: 'No next key published long enough yet (the message says when)',
  })
  rotate(@Admin() admin: AdminPrincipal): Promise<SigningKeyListDto> {
    return this.service.rotate(actorOf(admin));
  }
}
