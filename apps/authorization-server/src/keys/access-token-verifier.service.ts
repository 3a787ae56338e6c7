import { Inject, Injectable } from '@nestjs/common';
import { type JWTPayload, type JSONWebKeySet, createLocalJWKSet, decodeProtectedHeader, errors, jwtVerify } from 'jose';
import { Clock, serverConfig, type ServerConfig } from '#config';
import { SigningKeysService } from './signing-keys.service.js';

const KEY_RELOAD_INTERVAL_MS = 5000;

export interface AccessTokenClaims extends JWTPayload {
  sub: string;
  client_id: string;
  scope: string;
  sid?: string;
  exp: number;
  iat: number;
  jti: string;
}

/**
 * Verifies access tokens this server issued (RFC 9068 4): signature by one of its own keys,
 * typ at+jwt, issuer, audience, expiry. The key set is re-read when an unknown kid appears.
 */
@Injectable()
export class AccessTokenVerifier {
  private keySet?: {
    jwks: JSONWebKeySet;
    verify: ReturnType<typeof createLocalJWKSet>;
    loadedAt: number;
    version: number;
  };

  constructor(
    private readonly keys: SigningKeysService,
    private readonly clock: Clock,
    @Inject(serverConfig.KEY) private readonly config: ServerConfig,
  ) {}

  /** The claims of a valid access token, or null for anything else (never throws for bad input). */
  async verify(token: string): Promise<AccessTokenClaims | null> {
    if (token.length > 8192 || !/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token)) return null;
    try {
      const kid = decodeProtectedHeader(token).kid;
      const keySet = await this.keySetWith(kid);
      const { payload } = await jwtVerify(token, keySet.verify, {
        issuer: this.config.issuer,
        audience: this.config.accessTokenAudience,
        typ: 'at+jwt',
        algorithms: ['ES256', 'RS256', 'EdDSA'],
        currentDate: new Date(this.clock.now()),
      });
      const claims = payload as AccessTokenClaims;
      if (typeof claims.sub !== 'string' || typeof claims.client_id !== 'string' || typeof claims.scope !== 'string')
        return null;
      return claims;
    } catch (e) {
      if (e instanceof errors.JOSEError || e instanceof TypeError || e instanceof SyntaxError) return null;
      throw e;
    }
  }

  private async keySetWith(kid: string | undefined) {
    const known = this.keySet?.jwks.keys.some((k) => k.kid === kid);
    // An unknown kid re-reads the keys, at most once per interval: forged kids cannot flood the database.
    const stale = !this.keySet || Date.now() - this.keySet.loadedAt > KEY_RELOAD_INTERVAL_MS;
    // After a rotation this instance knows of, the next unknown kid re-reads them at once.
    const rotated = this.keySet?.version !== this.keys.version;
    if (!this.keySet || (!known && (stale || rotated))) {
      const version = this.keys.version;
      const jwks = (await this.keys.jwks()) as JSONWebKeySet;
      this.keySet = { jwks, verify: createLocalJWKSet(jwks), loadedAt: Date.now(), version };
    }
    return this.keySet;
  }
}
