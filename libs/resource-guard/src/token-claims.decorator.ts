import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { AccessTokenClaims } from '#bearer';

const CLAIMS = Symbol('access-token-claims');

interface ClaimsCarrier {
  [CLAIMS]?: AccessTokenClaims;
}

/** Called by AccessTokenGuard once the token is verified. */
export function attachClaims(request: object, claims: AccessTokenClaims): void {
  (request as ClaimsCarrier)[CLAIMS] = claims;
}

/** The verified claims of the request's access token, or one of them: `@TokenClaims('sub')`. */
export const TokenClaims = createParamDecorator(
  (claim: keyof AccessTokenClaims | undefined, context: ExecutionContext): unknown => {
    const claims = context.switchToHttp().getRequest<ClaimsCarrier>()[CLAIMS];
    if (!claims) throw new Error('@TokenClaims() needs AccessTokenGuard on the route (see @RequireScopes())');
    return claim === undefined ? claims : claims[claim];
  },
);
