/**
 * The first schema, written once per dialect. Families and tokens outlive a deleted client (revoked,
 * for the audit trail), so they carry client_id without a foreign key; tokens repeat their family's
 * client_id and subject so the admin list pages through one index per filter. Both dialects share names and shapes; only
 * types differ (PostgreSQL: bigint for instants, boolean; SQLite: integer affinity).
 */
type Dialect = 'sqlite' | 'postgres';

export function schemaV1(d: Dialect): string[] {
  const instant = d === 'postgres' ? 'bigint' : 'integer';
  const bool = d === 'postgres' ? 'boolean' : 'integer';
  const yes = d === 'postgres' ? 'true' : '1';
  const no = d === 'postgres' ? 'false' : '0';
  return [
    `CREATE TABLE oauth_client (
      client_id varchar(200) PRIMARY KEY,
      client_name varchar(200) NOT NULL DEFAULT '',
      client_secret_hash varchar(64),
      redirect_uris text NOT NULL,
      grant_types text NOT NULL,
      scope text NOT NULL DEFAULT '',
      token_endpoint_auth_method varchar(32) NOT NULL,
      refresh_token_rotation ${bool} NOT NULL DEFAULT ${yes},
      refresh_token_reuse_interval integer NOT NULL DEFAULT 0,
      refresh_token_absolute_lifetime integer NOT NULL,
      refresh_token_idle_lifetime integer NOT NULL,
      access_token_lifetime integer NOT NULL,
      introspection_allowed ${bool} NOT NULL DEFAULT ${no},
      created_at ${instant} NOT NULL,
      updated_at ${instant} NOT NULL
    )`,
    `CREATE TABLE app_user (
      id varchar(36) PRIMARY KEY,
      username varchar(200) NOT NULL,
      password_hash varchar(255) NOT NULL,
      disabled_at ${instant},
      created_at ${instant} NOT NULL,
      updated_at ${instant} NOT NULL
    )`,
    `CREATE UNIQUE INDEX uq_app_user_username ON app_user (username)`,
    `CREATE INDEX idx_app_user_created ON app_user (created_at, id)`,
    `CREATE TABLE refresh_token_family (
      id varchar(36) PRIMARY KEY,
      client_id varchar(200) NOT NULL,
      subject varchar(200) NOT NULL,
      scope text NOT NULL,
      created_at ${instant} NOT NULL,
      expires_at ${instant} NOT NULL,
      revoked_at ${instant},
      revoked_reason varchar(64)
    )`,
    `CREATE INDEX idx_family_client ON refresh_token_family (client_id, created_at)`,
    `CREATE INDEX idx_family_subject ON refresh_token_family (subject, created_at)`,
    `CREATE TABLE refresh_token (
      id varchar(36) PRIMARY KEY,
      family_id varchar(36) NOT NULL REFERENCES refresh_token_family (id) ON DELETE CASCADE,
      parent_id varchar(36),
      client_id varchar(200) NOT NULL,
      subject varchar(200) NOT NULL,
      token_hash varchar(64) NOT NULL,
      scope text NOT NULL,
      issued_at ${instant} NOT NULL,
      expires_at ${instant} NOT NULL,
      used_at ${instant},
      last_used_at ${instant},
      revoked_at ${instant},
      revoked_reason varchar(64)
    )`,
    `CREATE UNIQUE INDEX uq_refresh_token_hash ON refresh_token (token_hash)`,
    `CREATE INDEX idx_refresh_token_family ON refresh_token (family_id, issued_at, id)`,
    // Keyset pagination of the admin list, newest first, with or without a filter.
    `CREATE INDEX idx_refresh_token_issued ON refresh_token (issued_at, id)`,
    `CREATE INDEX idx_refresh_token_client ON refresh_token (client_id, issued_at, id)`,
    `CREATE INDEX idx_refresh_token_subject ON refresh_token (subject, issued_at, id)`,
    `CREATE TABLE signing_key (
      kid varchar(64) PRIMARY KEY,
      alg varchar(16) NOT NULL,
      private_jwk text NOT NULL,
      public_jwk text NOT NULL,
      created_at ${instant} NOT NULL,
      retired_at ${instant}
    )`,
    `CREATE TABLE audit_event (
      id varchar(36) PRIMARY KEY,
      occurred_at ${instant} NOT NULL,
      actor varchar(255) NOT NULL,
      action varchar(64) NOT NULL,
      target_type varchar(64) NOT NULL,
      target_id varchar(255) NOT NULL,
      reason varchar(255)
    )`,
    `CREATE INDEX idx_audit_event_time ON audit_event (occurred_at, id)`,
    `CREATE INDEX idx_audit_event_target ON audit_event (target_id, occurred_at, id)`,
    `CREATE INDEX idx_oauth_client_created ON oauth_client (created_at, client_id)`,
  ];
}

export const SCHEMA_V1_TABLES = [
  'audit_event',
  'signing_key',
  'refresh_token',
  'refresh_token_family',
  'app_user',
  'oauth_client',
];
