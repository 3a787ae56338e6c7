import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { InstantColumn, jsonList, jsonObject } from './columns.js';

/** A JWK Set of public keys (RFC 7517 5), as registered. */
export interface ClientJwks {
  keys: { [member: string]: string | string[] | undefined }[];
}

/** A registered OAuth client: RFC 7591 metadata plus this server's token policy. */
@Entity('oauth_client')
@Index('idx_oauth_client_created', ['created_at', 'client_id'])
export class ClientEntity {
  @PrimaryColumn({ type: 'varchar', length: 200 })
  client_id: string;

  @Column({ type: 'varchar', length: 200, default: '' })
  client_name: string;

  /** SHA-256 of the secret (hex); null for public clients. */
  @Column({ type: 'varchar', length: 64, nullable: true, select: false })
  client_secret_hash: string | null;

  @Column({ type: 'text', transformer: jsonList })
  redirect_uris: string[];

  @Column({ type: 'text', transformer: jsonList })
  grant_types: string[];

  /** Space-delimited scopes the client may ask for. */
  @Column({ type: 'text', default: '' })
  scope: string;

  @Column({ type: 'varchar', length: 32 })
  token_endpoint_auth_method: string;

  /** private_key_jwt (RFC 7523 2.2): the client's public keys, inline; null otherwise or with jwks_uri. */
  @Column({ type: 'text', nullable: true, transformer: jsonObject })
  jwks: ClientJwks | null;

  /** private_key_jwt: where the client publishes its public keys; null otherwise or with jwks. */
  @Column({ type: 'text', nullable: true })
  jwks_uri: string | null;

  /** Where Security Event Tokens for this client are pushed (RFC 8935); null: none are queued. */
  @Column({ type: 'text', nullable: true })
  security_event_endpoint: string | null;

  @Column({ type: 'boolean', default: true })
  refresh_token_rotation: boolean;

  /** Seconds during which a rotated token may be presented again (retries). */
  @Column({ type: 'integer', default: 0 })
  refresh_token_reuse_interval: number;

  /** Seconds a refresh-token family lives, never extended by rotation. */
  @Column({ type: 'integer' })
  refresh_token_absolute_lifetime: number;

  /** Seconds a refresh token lives unused. */
  @Column({ type: 'integer' })
  refresh_token_idle_lifetime: number;

  @Column({ type: 'integer' })
  access_token_lifetime: number;

  /** May call /oauth/introspect with its client credentials (RFC 7662 2.1). */
  @Column({ type: 'boolean', default: false })
  introspection_allowed: boolean;

  /** RFC 7636: PKCE required of this (confidential) client; always required of public clients. */
  @Column({ type: 'boolean', default: true })
  require_pkce: boolean;

  /** A client of the operator's own: users are not asked for consent. */
  @Column({ type: 'boolean', default: false })
  first_party: boolean;

  /** Issue a refresh token from the code flow only when the offline_access scope was granted. */
  @Column({ type: 'boolean', default: false })
  refresh_token_requires_offline_access: boolean;

  /** RFC 9449 5.2: every token request of this client must carry a DPoP proof. */
  @Column({ type: 'boolean', default: false })
  dpop_bound_access_tokens: boolean;

  /** The last secret rotation or scope change: this client's access tokens issued before it stop acting as admin or introspection bearers. */
  @InstantColumn({ nullable: true })
  credentials_changed_at: number | null;

  @InstantColumn()
  created_at: number;

  @InstantColumn()
  updated_at: number;
}
