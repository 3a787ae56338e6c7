import type { Provider } from '@nestjs/common';
import { AccessTokenVerifier, LocalKeysAccessTokenVerifier } from '#bearer';
import { Clock, serverConfig, type ServerConfig } from '#config';
import { SigningKeysService } from './signing-keys.service.js';

/**
 * The server's access tokens verified against its own published keys, read from the database
 * (RFC 9068 4): the admin API, the introspection callers and introspection itself ask here.
 */
export const accessTokenVerifierProvider: Provider = {
  provide: AccessTokenVerifier,
  inject: [SigningKeysService, Clock, serverConfig.KEY],
  useFactory: (keys: SigningKeysService, clock: Clock, config: ServerConfig) =>
    new LocalKeysAccessTokenVerifier(keys, {
      issuer: config.issuer,
      audience: config.accessTokenAudience,
      algorithms: ['ES256', 'RS256', 'EdDSA'],
      // One clock signs and checks: no skew to tolerate.
      clockToleranceSeconds: 0,
      clock,
    }),
};
