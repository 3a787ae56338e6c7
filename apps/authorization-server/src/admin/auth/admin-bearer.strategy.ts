import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import { Strategy } from 'passport-strategy';
import { scopeList } from '#oauth';
import { ClientsService } from '../../clients/clients.service.js';
import { AccessTokenClaims, AccessTokenVerifier } from '../../keys/access-token-verifier.service.js';

/** The caller of an admin route: the client of the access token and its scopes. */
export interface AdminPrincipal {
  clientId: string;
  scopes: string[];
  claims: AccessTokenClaims;
}

export type BearerFailure = 'missing' | 'invalid';

type Verify = (
  token: string,
  done: (err: unknown, principal?: AdminPrincipal | false, info?: BearerFailure) => void,
) => void;

/** RFC 6750 2.1: the token is read from the Authorization header only. */
export class BearerTokenStrategy extends Strategy {
  constructor(private readonly verifyToken: Verify) {
    super();
  }

  override authenticate(req: Request): void {
    const match = /^Bearer +([\x21-\x7e]+) *$/i.exec(req.headers.authorization ?? '');
    if (!match) return this.fail(req.headers.authorization ? 'invalid' : 'missing', 401);
    this.verifyToken(match[1], (err, principal) => {
      if (err) return this.error(err as Error);
      if (!principal) return this.fail('invalid', 401);
      return this.success(principal);
    });
  }
}

/** Verifies an access token issued by this server for an admin route. */
@Injectable()
export class AdminBearerStrategy extends PassportStrategy(BearerTokenStrategy, 'admin-bearer') {
  constructor(
    private readonly verifier: AccessTokenVerifier,
    private readonly clients: ClientsService,
  ) {
    super();
  }

  async validate(token: string): Promise<AdminPrincipal | false> {
    const claims = await this.verifier.verify(token);
    // A client deleted through the API loses its tokens at once, not when they expire (the cache
    // is invalidated on every instance); one deleted by hand in the database within CLIENT_CACHE_TTL.
    if (!claims || !(await this.clients.findCached(claims.client_id))) return false;
    return { clientId: claims.client_id, scopes: scopeList(claims.scope), claims };
  }
}
