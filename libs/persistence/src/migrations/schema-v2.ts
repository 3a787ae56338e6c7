/**
 * Authorization code flow: codes, remembered consents, login sessions, and the client settings
 * `require_pkce`, `first_party` and `refresh_token_requires_offline_access`.
 */
export function schemaV2(d: 'sqlite' | 'postgres'): string[] {
  const instant = d === 'postgres' ? 'bigint' : 'integer';
  const bool = d === 'postgres' ? 'boolean' : 'integer';
  const [yes, no] = d === 'postgres' ? ['true', 'false'] : ['1', '0'];
  return [
    `ALTER TABLE oauth_client ADD COLUMN require_pkce ${bool} NOT NULL DEFAULT ${yes}`,
    `ALTER TABLE oauth_client ADD COLUMN first_party ${bool} NOT NULL DEFAULT ${no}`,
    `ALTER TABLE oauth_client ADD COLUMN refresh_token_requires_offline_access ${bool} NOT NULL DEFAULT ${no}`,
    `CREATE TABLE authorization_code (
      id varchar(36) PRIMARY KEY,
      code_hash varchar(64) NOT NULL,
      client_id varchar(200) NOT NULL,
      user_id varchar(36) NOT NULL,
      redirect_uri text NOT NULL,
      scope text NOT NULL,
      code_challenge varchar(128),
      code_challenge_method varchar(8),
      created_at ${instant} NOT NULL,
      expires_at ${instant} NOT NULL,
      used_at ${instant},
      family_id varchar(36)
    )`,
    `CREATE UNIQUE INDEX uq_authorization_code_hash ON authorization_code (code_hash)`,
    `CREATE INDEX idx_authorization_code_expiry ON authorization_code (expires_at)`,
    `CREATE TABLE consent (
      user_id varchar(36) NOT NULL,
      client_id varchar(200) NOT NULL,
      scope text NOT NULL,
      created_at ${instant} NOT NULL,
      updated_at ${instant} NOT NULL,
      PRIMARY KEY (user_id, client_id)
    )`,
    `CREATE TABLE login_session (
      id varchar(36) PRIMARY KEY,
      session_hash varchar(64) NOT NULL,
      user_id varchar(36) NOT NULL,
      created_at ${instant} NOT NULL,
      expires_at ${instant} NOT NULL
    )`,
    `CREATE UNIQUE INDEX uq_login_session_hash ON login_session (session_hash)`,
    `CREATE INDEX idx_login_session_user ON login_session (user_id)`,
  ];
}

export const SCHEMA_V2_DOWN = [
  'DROP TABLE login_session',
  'DROP TABLE consent',
  'DROP TABLE authorization_code',
  'ALTER TABLE oauth_client DROP COLUMN refresh_token_requires_offline_access',
  'ALTER TABLE oauth_client DROP COLUMN first_party',
  'ALTER TABLE oauth_client DROP COLUMN require_pkce',
];
