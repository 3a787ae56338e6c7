import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * RFC 6749 4.1.3: whether the authorization request sent redirect_uri, which the token request must then
 * repeat. Codes issued before (they live a minute) count as not sent: they are exchanged as they were.
 */
const column = (bool: string, no: string) =>
  `ALTER TABLE authorization_code ADD COLUMN redirect_uri_sent ${bool} NOT NULL DEFAULT ${no}`;
const DROP_COLUMN = 'ALTER TABLE authorization_code DROP COLUMN redirect_uri_sent';

export class AuthorizationCodeRedirectUriSentSqlite1764800000000 implements MigrationInterface {
  name = 'AuthorizationCodeRedirectUriSentSqlite1764800000000';
  async up(q: QueryRunner): Promise<void> {
    await q.query(column('integer', '0'));
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query(DROP_COLUMN);
  }
}

export class AuthorizationCodeRedirectUriSentPostgres1764800000000 implements MigrationInterface {
  name = 'AuthorizationCodeRedirectUriSentPostgres1764800000000';
  async up(q: QueryRunner): Promise<void> {
    await q.query(column('boolean', 'false'));
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query(DROP_COLUMN);
  }
}
