import { defineMigration } from './migration.js';

/**
 * private_key_jwt (RFC 7523 2.2): a client's public keys, registered inline (`jwks`, a JWK Set as JSON
 * text) or as the URL it publishes them at (`jwks_uri`). Both null for clients authenticated otherwise.
 */
const UP = ['ALTER TABLE oauth_client ADD COLUMN jwks text', 'ALTER TABLE oauth_client ADD COLUMN jwks_uri text'];

const DOWN = ['ALTER TABLE oauth_client DROP COLUMN jwks_uri', 'ALTER TABLE oauth_client DROP COLUMN jwks'];

/** The same statements on both dialects: one class in both migration lists. */
export const ClientKeys1765100000000 = defineMigration('ClientKeys', 1765100000000, {
  both: { up: UP, down: DOWN },
});
