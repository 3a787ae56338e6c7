import { Controller, Get, Header, Inject, Res } from '@nestjs/common';
import type { Response } from 'express';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { serverConfig, type ServerConfig } from '#config';
import { CLIENT_ASSERTION_SIGNING_ALGS, CLIENT_AUTH_METHODS, ClientAuthMethod, DPOP_SIGNING_ALGS } from '#oauth';

/** Seconds the JWKS may be cached, at most (and never longer than SIGNING_KEY_PUBLISH_AHEAD). */
const JWKS_MAX_AGE = 300;
const CONFIDENTIAL_AUTH_METHODS = [
  ClientAuthMethod.ClientSecretBasic,
  ClientAuthMethod.ClientSecretPost,
  ClientAuthMethod.PrivateKeyJwt,
];
import { SigningKeysService } from '../keys/signing-keys.service.js';
import { GrantHandlerRegistry } from '../token/grant-handler.registry.js';

@ApiTags('oauth')
@Controller('.well-known')
export class WellKnownController {
  constructor(
    @Inject(serverConfig.KEY) private readonly config: ServerConfig,
    private readonly keys: SigningKeysService,
    private readonly grants: GrantHandlerRegistry,
  ) {}

  @Get('oauth-authorization-server')
  @Header('Cache-Control', 'public, max-age=300')
  @ApiOperation({ summary: 'Authorization server metadata (RFC 8414)' })
  @ApiOkResponse({ description: 'RFC 8414 metadata' })
  metadata() {
    const issuer = this.config.issuer;
    return {
      issuer,
      authorization_endpoint: `${issuer}/oauth/authorize`,
      token_endpoint: `${issuer}/oauth/token`,
      // RFC 8628 4.
      device_authorization_endpoint: `${issuer}/oauth/device_authorization`,
      jwks_uri: `${issuer}/.well-known/jwks.json`,
      response_types_supported: ['code'],
      response_modes_supported: ['query'],
      code_challenge_methods_supported: ['S256'],
      authorization_response_iss_parameter_supported: true,
      grant_types_supported: this.grants.supportedGrantTypes(),
      token_endpoint_auth_methods_supported: CLIENT_AUTH_METHODS,
      // RFC 8414 2: the algorithms a private_key_jwt client assertion may be signed with.
      token_endpoint_auth_signing_alg_values_supported: CLIENT_ASSERTION_SIGNING_ALGS,
      revocation_endpoint: `${issuer}/oauth/revoke`,
      revocation_endpoint_auth_methods_supported: CLIENT_AUTH_METHODS,
      revocation_endpoint_auth_signing_alg_values_supported: CLIENT_ASSERTION_SIGNING_ALGS,
      introspection_endpoint: `${issuer}/oauth/introspect`,
      // Public clients cannot introspect; admin callers may also present a Bearer access token.
      introspection_endpoint_auth_methods_supported: CONFIDENTIAL_AUTH_METHODS,
      introspection_endpoint_auth_signing_alg_values_supported: CLIENT_ASSERTION_SIGNING_ALGS,
      // RFC 9449 5.1.
      dpop_signing_alg_values_supported: DPOP_SIGNING_ALGS,
    };
  }

  @Get('jwks.json')
  @ApiOperation({ summary: 'JSON Web Key Set of the access-token signing keys (RFC 7517)' })
  @ApiOkResponse({ description: 'JWKS' })
  jwks(@Res({ passthrough: true }) res: Response) {
    // Cached no longer than a new key is published before it signs: a cache never misses the signing key.
    res.setHeader('Cache-Control', `public, max-age=${Math.min(JWKS_MAX_AGE, this.keys.publishAheadSeconds)}`);
    return this.keys.jwks();
  }
}
