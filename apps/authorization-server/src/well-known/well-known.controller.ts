import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { serverConfig, type ServerConfig } from '#config';
import { CLIENT_AUTH_METHODS, ClientAuthMethod } from '#oauth';

const CONFIDENTIAL_AUTH_METHODS = [ClientAuthMethod.ClientSecretBasic, ClientAuthMethod.ClientSecretPost];
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
      jwks_uri: `${issuer}/.well-known/jwks.json`,
      response_types_supported: ['code'],
      response_modes_supported: ['query'],
      code_challenge_methods_supported: ['S256'],
      authorization_response_iss_parameter_supported: true,
      grant_types_supported: this.grants.supportedGrantTypes(),
      token_endpoint_auth_methods_supported: CLIENT_AUTH_METHODS,
      revocation_endpoint: `${issuer}/oauth/revoke`,
      revocation_endpoint_auth_methods_supported: CLIENT_AUTH_METHODS,
      introspection_endpoint: `${issuer}/oauth/introspect`,
      // Public clients cannot introspect; admin callers may also present a Bearer access token.
      introspection_endpoint_auth_methods_supported: CONFIDENTIAL_AUTH_METHODS,
    };
  }

  @Get('jwks.json')
  @Header('Cache-Control', 'public, max-age=300')
  @ApiOperation({ summary: 'JSON Web Key Set of the access-token signing keys (RFC 7517)' })
  @ApiOkResponse({ description: 'JWKS' })
  jwks() {
    return this.keys.jwks();
  }
}
