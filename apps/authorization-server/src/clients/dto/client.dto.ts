import { ApiProperty, ApiPropertyOptional, OmitType, PartialType } from '@nestjs/swagger';
import type { ClientEntity, ClientJwks } from '#persistence';
import { CreateClientDto, JWKS_SCHEMA } from './create-client.dto.js';

/** Every field but client_id may change; omitted fields keep their value. */
export class UpdateClientDto extends PartialType(OmitType(CreateClientDto, ['client_id'] as const)) {}

/** A client as the admin API shows it: never the secret or its hash. */
export class ClientDto {
  @ApiProperty() client_id: string;
  @ApiProperty() client_name: string;
  @ApiProperty({ type: [String] }) redirect_uris: string[];
  @ApiProperty({ type: [String] }) grant_types: string[];
  @ApiProperty() scope: string;
  @ApiProperty() token_endpoint_auth_method: string;
  @ApiPropertyOptional({ description: 'private_key_jwt: the registered public keys', ...JWKS_SCHEMA })
  jwks?: ClientJwks;
  @ApiPropertyOptional({ description: 'private_key_jwt: where the client publishes its public keys' })
  jwks_uri?: string;
  @ApiPropertyOptional({ description: 'where Security Event Tokens are pushed (RFC 8935)' })
  security_event_endpoint?: string;
  @ApiProperty() refresh_token_rotation: boolean;
  @ApiProperty() refresh_token_reuse_interval: number;
  @ApiProperty() refresh_token_absolute_lifetime: number;
  @ApiProperty() refresh_token_idle_lifetime: number;
  @ApiProperty() access_token_lifetime: number;
  @ApiProperty() introspection_allowed: boolean;
  @ApiProperty() require_pkce: boolean;
  @ApiProperty() first_party: boolean;
  @ApiProperty() refresh_token_requires_offline_access: boolean;
  @ApiProperty({ description: 'RFC 9449 5.2: every token request must carry a DPoP proof' })
  dpop_bound_access_tokens: boolean;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time' }) updated_at: string;

  static fromEntity(c: ClientEntity): ClientDto {
    return {
      client_id: c.client_id,
      client_name: c.client_name,
      redirect_uris: c.redirect_uris,
      grant_types: c.grant_types,
      scope: c.scope,
      token_endpoint_auth_method: c.token_endpoint_auth_method,
      ...(c.jwks ? { jwks: c.jwks } : {}),
      ...(c.jwks_uri ? { jwks_uri: c.jwks_uri } : {}),
      ...(c.security_event_endpoint ? { security_event_endpoint: c.security_event_endpoint } : {}),
      refresh_token_rotation: c.refresh_token_rotation,
      refresh_token_reuse_interval: c.refresh_token_reuse_interval,
      refresh_token_absolute_lifetime: c.refresh_token_absolute_lifetime,
      refresh_token_idle_lifetime: c.refresh_token_idle_lifetime,
      access_token_lifetime: c.access_token_lifetime,
      introspection_allowed: c.introspection_allowed,
      require_pkce: c.require_pkce,
      first_party: c.first_party,
      refresh_token_requires_offline_access: c.refresh_token_requires_offline_access,
      dpop_bound_access_tokens: c.dpop_bound_access_tokens,
      created_at: new Date(c.created_at).toISOString(),
      updated_at: new Date(c.updated_at).toISOString(),
    };
  }
}

export class CreatedClientDto extends ClientDto {
  @ApiPropertyOptional({ description: 'Shown once; absent for public clients' }) client_secret?: string;
}

export class ClientSecretDto {
  @ApiProperty() client_id: string;
  @ApiProperty({ description: 'The new secret, shown once; the old one stops working at once' }) client_secret: string;
}

export class ClientPageDto {
  @ApiProperty({ type: [ClientDto] }) items: ClientDto[];
  @ApiProperty({ nullable: true, type: String }) next_cursor: string | null;
}
