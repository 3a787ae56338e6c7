import { Get, Param, ParseUUIDPipe } from '@nestjs/common';
import { AdminScope } from '../auth/admin-auth.guard.js';
import { AdminController, AdminRoute } from '../auth/admin-route.decorator.js';
import { AdminRefreshTokensService } from './admin-refresh-tokens.service.js';
import { RefreshTokenFamilyDto } from './refresh-token-family.dto.js';

/** Refresh-token families (grants), for forensics: the lineage the refresh-token list links to as family_url. */
@AdminController('admin/refresh-token-families', 'admin: refresh tokens')
export class AdminRefreshTokenFamiliesController {
  constructor(private readonly service: AdminRefreshTokensService) {}

  @Get(':family_id')
  @AdminRoute({
    scope: AdminScope.Read,
    summary:
      'One refresh-token family: its tokens in issue order, where each was used from, and the replay that revoked it (never a token value or hash)',
    ok: RefreshTokenFamilyDto,
    notFound: true,
  })
  get(@Param('family_id', new ParseUUIDPipe({ version: undefined })) familyId: string): Promise<RefreshTokenFamilyDto> {
    return this.service.family(familyId);
  }
}
