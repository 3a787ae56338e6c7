import { createLocalJWKSet, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import type { AccessTokenClaims } from './access-token-claims.js';
import { type AccessTokenPolicy, AccessTokenVerifier, verifyAccessToken } from './access-token-verifier.js';

/** The authorization server's own published keys, read where they are kept (its database). */
export interface LocalKeySource {
  /** Changes whenever the keys changed as far as this instance knows. */
  readonly version: number;
  jwks(): Promise<JSONWebKeySet>;
}

const KEY_RELOAD_INTERVAL_MS = 5000;

/** Verifies access tokens against the issuer's own keys, without HTTP: the authorization server's verifier. */
export class LocalKeysAccessTokenVerifier extends AccessTokenVerifier {
  private keySet?: { jwks: JSONWebKeySet; verify: JWTVerifyGetKey; loadedAt: number; version: number };
  private readonly keys: JWTVerifyGetKey = async (header, token) =>
    (await this.keySetWith(header.kid)).verify(header, token);

  constructor(
    private readonly source: LocalKeySource,
    private readonly policy: AccessTokenPolicy,
  ) {
    super();
  }

  verify(token: string): Promise<AccessTokenClaims> {
    return verifyAccessToken(token, this.keys, this.policy);
  }

  private async keySetWith(kid: string | undefined) {
    const known = this.keySet?.jwks.keys.some((k) => k.kid === kid);
    // An unknown kid re-reads the keys, at most once per interval: forged kids cannot flood the database.
    const stale = !this.keySet || Date.now() - this.keySet.loadedAt > KEY_RELOAD_INTERVAL_MS;
    // After a rotation this instance knows of, the next unknown kid re-reads them at once.
    const rotated = this.keySet?.version !== this.source.version;
    if (!this.keySet || (!known && (stale || rotated))) {
      const version = this.source.version;
      const jwks = await this.source.jwks();
      this.keySet = { jwks, verify: createLocalJWKSet(jwks), loadedAt: Date.now(), version };
    }
    return this.keySet;
  }
}
