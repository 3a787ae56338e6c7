import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** OpenAPI shapes of the OAuth endpoints (form bodies are parsed by FormBodyGuard, not by these). */

/** The client authentication fields a form body may carry (RFC 6749 2.3.1, RFC 7523 2.2); Basic needs none. */
export class ClientAuthenticationForm {
  @ApiPropertyOptional({ description: 'client_secret_post and public clients' }) client_id?: string;
  @ApiPropertyOptional({ description: 'client_secret_post only', format: 'password' }) client_secret?: string;
  @ApiPropertyOptional({ description: 'private_key_jwt: urn:ietf:params:oauth:client-assertion-type:jwt-bearer' })
  client_assertion_type?: string;
  @ApiPropertyOptional({ description: 'private_key_jwt: a JWT signed with a registered key (RFC 7523 2.2)' })
  client_assertion?: string;
}

export class TokenRequestForm extends ClientAuthenticationForm {
  @ApiProperty({
    enum: [
      'authorization_code',
      'client_credentials',
      'password',
      'refresh_token',
      'urn:ietf:params:oauth:grant-type:device_code',
    ],
  })
  grant_type: string;
  @ApiPropertyOptional({ description: 'Space-delimited; defaults to what the client or grant allows' }) scope?: string;
  @ApiPropertyOptional({ description: 'grant_type=refresh_token' }) refresh_token?: string;
  @ApiPropertyOptional({ description: 'grant_type=authorization_code: the code from /oauth/authorize' }) code?: string;
  @ApiPropertyOptional({ description: 'grant_type=authorization_code: as sent to /oauth/authorize' })
  redirect_uri?: string;
  @ApiPropertyOptional({ description: 'grant_type=authorization_code: the PKCE verifier (RFC 7636)' })
  code_verifier?: string;
  @ApiPropertyOptional({ description: 'grant_type=urn:ietf:params:oauth:grant-type:device_code (RFC 8628 3.4)' })
  device_code?: string;
  @ApiPropertyOptional({ description: 'grant_type=password (legacy, RFC 9700 2.4)' }) username?: string;
  @ApiPropertyOptional({ description: 'grant_type=password', format: 'password' }) password?: string;
}

export class TokenResponseDto {
  @ApiProperty({ description: 'JWT (RFC 9068)' }) access_token: string;
  @ApiProperty({ enum: ['Bearer', 'DPoP'], description: 'DPoP when the request carried a DPoP proof (RFC 9449 5)' })
  token_type: string;
  @ApiProperty({ example: 900 }) expires_in: number;
  @ApiPropertyOptional({ description: 'Opaque, asrt_ prefix; rotated on every use' }) refresh_token?: string;
  @ApiProperty({ example: 'read write' }) scope: string;
}

export class OAuthErrorDto {
  @ApiProperty({
    enum: [
      'invalid_request',
      'invalid_client',
      'invalid_grant',
      'unauthorized_client',
      'unsupported_grant_type',
      'invalid_scope',
      'unsupported_token_type',
      'invalid_token',
      'insufficient_scope',
      'server_error',
      'temporarily_unavailable',
      'authorization_pending',
      'slow_down',
      'access_denied',
      'expired_token',
    ],
  })
  error: string;
  @ApiProperty() error_description: string;
}

export class TokenForm extends ClientAuthenticationForm {
  @ApiProperty({ description: 'A refresh token or an access token' }) token: string;
  @ApiPropertyOptional({ enum: ['refresh_token', 'access_token'], description: 'Searched first, not trusted' })
  token_type_hint?: string;
}

export class IntrospectionResponseDto {
  @ApiProperty() active: boolean;
  @ApiPropertyOptional({ enum: ['Bearer', 'refresh_token'] }) token_type?: string;
  @ApiPropertyOptional() client_id?: string;
  @ApiPropertyOptional() sub?: string;
  @ApiPropertyOptional() scope?: string;
  @ApiPropertyOptional() iss?: string;
  @ApiPropertyOptional() aud?: string;
  @ApiPropertyOptional() exp?: number;
  @ApiPropertyOptional() iat?: number;
  @ApiPropertyOptional() jti?: string;
  @ApiPropertyOptional({ description: 'The refresh-token family (grant)' }) sid?: string;
}

export class DeviceAuthorizationForm extends ClientAuthenticationForm {
  @ApiPropertyOptional({ description: 'Space-delimited; defaults to the client’s scope' }) scope?: string;
}

export class DeviceAuthorizationResponseDto {
  @ApiProperty({ description: 'Opaque, asdc_ prefix; the device polls the token endpoint with it' })
  device_code: string;
  @ApiProperty({ example: 'BDWP-HQPK', description: 'What the user types at verification_uri' }) user_code: string;
  @ApiProperty({ example: 'https://issuer.example/device' }) verification_uri: string;
  @ApiProperty({ example: 'https://issuer.example/device?user_code=BDWP-HQPK' }) verification_uri_complete: string;
  @ApiProperty({ example: 600 }) expires_in: number;
  @ApiProperty({ example: 5, description: 'Seconds between polls' }) interval: number;
}
