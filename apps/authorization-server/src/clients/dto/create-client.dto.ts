import { ApiProperty, ApiPropertyOptional, type ApiPropertyOptions } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { CLIENT_AUTH_METHODS, GrantType, NO_CONTROL_CHARACTERS } from '#oauth';

const DAY = 24 * 3600;
const SUPPORTED_GRANTS = [
  GrantType.AuthorizationCode,
  GrantType.ClientCredentials,
  GrantType.Password,
  GrantType.RefreshToken,
  GrantType.DeviceCode,
];

/** The OpenAPI shape of a JWK Set (RFC 7517 5). */
export const JWKS_SCHEMA: ApiPropertyOptions = {
  type: 'object',
  properties: { keys: { type: 'array', items: { type: 'object', additionalProperties: true } } },
  required: ['keys'],
};

/** RFC 7591 client metadata plus this server's refresh-token policy. */
export class CreateClientDto {
  @ApiPropertyOptional({ description: 'Chosen by the server when absent', maxLength: 200 })
  @IsOptional()
  @IsString()
  @Matches(/^[\x21-\x7e]{1,200}$/, { message: 'client_id must be 1-200 printable ASCII characters' })
  client_id?: string;

  @ApiPropertyOptional({ maxLength: 200 })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  @Matches(NO_CONTROL_CHARACTERS, { message: 'client_name must not contain control characters' })
  client_name?: string;

  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] }, { each: true })
  redirect_uris?: string[];

  @ApiProperty({ type: [String], enum: SUPPORTED_GRANTS, isArray: true })
  @IsArray()
  @ArrayMaxSize(SUPPORTED_GRANTS.length)
  @IsIn(SUPPORTED_GRANTS, { each: true })
  grant_types: string[];

  @ApiPropertyOptional({ description: 'Space-delimited scopes the client may request', example: 'read write' })
  @IsOptional()
  @IsString()
  @Matches(/^([\x21\x23-\x5b\x5d-\x7e]+( [\x21\x23-\x5b\x5d-\x7e]+)*)?$/, {
    message: 'scope must be space-delimited scope tokens (RFC 6749 3.3)',
  })
  @MaxLength(2048)
  scope?: string;

  @ApiPropertyOptional({ enum: CLIENT_AUTH_METHODS, default: 'client_secret_basic' })
  @IsOptional()
  @IsIn(CLIENT_AUTH_METHODS)
  token_endpoint_auth_method?: string;

  @ApiPropertyOptional({
    description:
      'private_key_jwt only (exactly one of jwks and jwks_uri): the client’s public keys as a JWK Set, each key with a unique kid; EC P-256, OKP Ed25519 or RSA (at least 2048 bits)',
    ...JWKS_SCHEMA,
    example: { keys: [{ kty: 'EC', crv: 'P-256', kid: 'key-1', x: '…', y: '…' }] },
  })
  @IsOptional()
  @IsObject()
  jwks?: { keys: { [member: string]: string | string[] | undefined }[] };

  @ApiPropertyOptional({
    description:
      'private_key_jwt only (exactly one of jwks and jwks_uri): https URL of the client’s JWK Set; http and loopback or private addresses only with JWKS_URI_ALLOW_PRIVATE=true',
    maxLength: 2048,
  })
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  @Matches(NO_CONTROL_CHARACTERS, { message: 'jwks_uri must not contain control characters' })
  jwks_uri?: string;

  @ApiPropertyOptional({
    description:
      'https URL to which Security Event Tokens (RFC 8417) about this client’s grants are pushed (RFC 8935); http only on a loopback host with SECURITY_EVENTS_ALLOW_HTTP=true; a host on a non-public address is refused at delivery unless SECURITY_EVENTS_ALLOW_PRIVATE=true; an empty string in a PATCH removes it',
    maxLength: 2048,
    example: 'https://app.example.com/security-events',
  })
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  @Matches(NO_CONTROL_CHARACTERS, { message: 'security_event_endpoint must not contain control characters' })
  security_event_endpoint?: string;

  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean()
  refresh_token_rotation?: boolean;

  @ApiPropertyOptional({ description: 'Seconds; 0 disables', default: 0, maximum: 300 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(300)
  refresh_token_reuse_interval?: number;

  @ApiPropertyOptional({ description: 'Seconds', default: 30 * DAY })
  @IsOptional()
  @IsInt()
  @Min(60)
  @Max(3650 * DAY)
  refresh_token_absolute_lifetime?: number;

  @ApiPropertyOptional({ description: 'Seconds', default: 14 * DAY })
  @IsOptional()
  @IsInt()
  @Min(60)
  @Max(3650 * DAY)
  refresh_token_idle_lifetime?: number;

  @ApiPropertyOptional({ description: 'May call /oauth/introspect with its own credentials', default: false })
  @IsOptional()
  @IsBoolean()
  introspection_allowed?: boolean;

  @ApiPropertyOptional({
    description: 'Require PKCE (S256) of this confidential client; public clients always need it',
    default: true,
  })
  @IsOptional()
  @IsBoolean()
  require_pkce?: boolean;

  @ApiPropertyOptional({ description: 'The operator’s own client: users are not asked for consent', default: false })
  @IsOptional()
  @IsBoolean()
  first_party?: boolean;

  @ApiPropertyOptional({
    description: 'Code flow: issue a refresh token only when offline_access was granted',
    default: false,
  })
  @IsOptional()
  @IsBoolean()
  refresh_token_requires_offline_access?: boolean;

  @ApiPropertyOptional({
    description:
      'RFC 9449 5.2: every token request must carry a DPoP proof (a request without one is invalid_request), so every access token is DPoP-bound',
    default: false,
  })
  @IsOptional()
  @IsBoolean()
  dpop_bound_access_tokens?: boolean;

  @ApiPropertyOptional({ description: 'Seconds', default: 900 })
  @IsOptional()
  @IsInt()
  @Min(30)
  @Max(DAY)
  access_token_lifetime?: number;
}
