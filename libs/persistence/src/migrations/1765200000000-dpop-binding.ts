import { defineMigration } from './migration.js';

/**
 * DPoP (RFC 9449): `refresh_token_family.dpop_jkt` is the RFC 7638 thumbprint of the key a public
 * client's family is bound to (every refresh of it must prove that key); null for an unbound family,
 * which every existing family is. `authorization_code.dpop_jkt` (RFC 9449 10): the key the code's
 * exchange must prove, when the authorization request named one. `oauth_client.dpop_bound_access_tokens`
 * (RFC 9449 5.2): the client must send a proof with every token request.
 */
const column = (bool: string, no: string) => [
  'ALTER TABLE refresh_token_family ADD COLUMN dpop_jkt varchar(64)',
  'ALTER TABLE authorization_code ADD COLUMN dpop_jkt varchar(64)',
  `ALTER TABLE oauth_client ADD COLUMN dpop_bound_access_tokens ${bool} NOT NULL DEFAULT ${no}`,
];
const DOWN = [
  'ALTER TABLE oauth_client DROP COLUMN dpop_bound_access_tokens',
  'ALTER TABLE authorization_code DROP COLUMN dpop_jkt',
  'ALTER TABLE refresh_token_family DROP COLUMN dpop_jkt',
];

export const DpopBinding1765200000000 = defineMigration('DpopBinding', 1765200000000, {
  postgres: { up: column('boolean', 'false'), down: DOWN },
  sqlite: { up: column('integer', '0'), down: DOWN },
});
