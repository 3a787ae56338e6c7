import { type Dialect, type MigrationSteps, defineMigration } from './migration.js';

/**
 * Security events (RFC 8417 SETs pushed per RFC 8935): a client's `security_event_endpoint`, the outbox
 * `security_event` (written in the transaction of the change that causes each event) and the record of
 * every delivery attempt.
 */
function steps(d: Dialect): MigrationSteps {
  const instant = d === 'postgres' ? 'bigint' : 'integer';
  return {
    up: [
      'ALTER TABLE oauth_client ADD COLUMN security_event_endpoint text',
      `CREATE TABLE security_event (
        id varchar(36) PRIMARY KEY,
        txn varchar(36) NOT NULL,
        client_id varchar(200) NOT NULL,
        type varchar(64) NOT NULL,
        subject varchar(255),
        family_ids text NOT NULL,
        reason varchar(64),
        created_at ${instant} NOT NULL,
        status varchar(16) NOT NULL,
        attempts integer NOT NULL DEFAULT 0,
        round_attempts integer NOT NULL DEFAULT 0,
        next_attempt_at ${instant} NOT NULL,
        claimed_until ${instant},
        delivered_at ${instant},
        last_error varchar(255)
      )`,
      'CREATE INDEX idx_security_event_created ON security_event (created_at, id)',
      'CREATE INDEX idx_security_event_client ON security_event (client_id, created_at, id)',
      'CREATE INDEX idx_security_event_due ON security_event (status, next_attempt_at)',
      `CREATE TABLE security_event_attempt (
        id varchar(36) PRIMARY KEY,
        event_id varchar(36) NOT NULL,
        attempted_at ${instant} NOT NULL,
        status_code integer,
        error varchar(255),
        duration_ms integer NOT NULL
      )`,
      'CREATE INDEX idx_security_event_attempt_event ON security_event_attempt (event_id, attempted_at)',
    ],
    down: [
      'DROP TABLE security_event_attempt',
      'DROP TABLE security_event',
      'ALTER TABLE oauth_client DROP COLUMN security_event_endpoint',
    ],
  };
}

export const SecurityEvents1765400000000 = defineMigration('SecurityEvents', 1765400000000, {
  postgres: steps('postgres'),
  sqlite: steps('sqlite'),
});
