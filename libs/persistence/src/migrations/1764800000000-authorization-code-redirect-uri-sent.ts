import { defineMigration } from './migration.js';

/**
 * RFC 6749 4.1.3: whether the authorization request sent redirect_uri, which the token request must then
 * repeat. Codes issued before (they live a minute) count as not sent: they are exchanged as they were.
 */
const column = (bool: string, no: string) =>
  `ALTER TABLE authorization_code ADD COLUMN redirect_uri_sent ${bool} NOT NULL DEFAULT ${no}`;
const DROP_COLUMN = 'ALTER TABLE authorization_code DROP COLUMN redirect_uri_sent';

export const AuthorizationCodeRedirectUriSent1764800000000 = defineMigration(
  'AuthorizationCodeRedirectUriSent',
  1764800000000,
  {
    postgres: { up: [column('boolean', 'false')], down: [DROP_COLUMN] },
    sqlite: { up: [column('integer', '0')], down: [DROP_COLUMN] },
  },
);
