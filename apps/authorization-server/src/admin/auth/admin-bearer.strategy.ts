import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import { Strategy } from 'passport-strategy';
import { type AdminPrincipal, TokenStanding } from '../../bearer/token-standing.service.js';

export type { AdminPrincipal };

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

/** Verifies an access token issued by this server for an admin route (TokenStanding.admin). */
@Injectable()
export class AdminBearerStrategy extends PassportStrategy(BearerTokenStrategy, 'admin-bearer') {
  constructor(private readonly standing: TokenStanding) {
    super();
  }

  async validate(token: string): Promise<AdminPrincipal | false> {
    return (await this.standing.admin(token)) ?? false;
  }
}
