import { Controller, Get } from '@nestjs/common';
import { type AccessTokenClaims, RequireScopes, TokenClaims } from '#resource-guard';

export interface Profile {
  sub: string;
  client_id: string;
  scope: string;
}

@Controller('api/profile')
export class ProfileController {
  /** Who is calling: the resource owner (or, for client_credentials, the client) and the granted scope. */
  @Get()
  @RequireScopes('read')
  profile(@TokenClaims() claims: AccessTokenClaims): Profile {
    return { sub: claims.sub, client_id: claims.client_id, scope: claims.scope ?? '' };
  }
}
