import { applyDecorators, SetMetadata, UseGuards } from '@nestjs/common';
import { AccessTokenGuard, REQUIRED_SCOPES } from './access-token.guard.js';

// RFC 6749 3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

/** The route needs a valid access token whose scope includes every one listed (none: any valid token). */
export function RequireScopes(...scopes: string[]): ClassDecorator & MethodDecorator {
  const invalid = scopes.filter((scope) => !SCOPE_TOKEN.test(scope));
  if (invalid.length > 0) throw new Error(`@RequireScopes(): not a scope token: ${JSON.stringify(invalid)}`);
  return applyDecorators(SetMetadata(REQUIRED_SCOPES, scopes), UseGuards(AccessTokenGuard));
}
