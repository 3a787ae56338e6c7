import { type MigrationSteps, defineMigration } from './migration.js';

/**
 * SQLite only. A single-column PRIMARY KEY that is not INTEGER may hold NULL in SQLite unless the column
 * says NOT NULL, and the CREATE TABLEs of the earlier migrations did not say it (the entities do: an id is
 * always written). Adding NOT NULL would rebuild every table, copying each refresh token of a large
 * database while the server waits; two triggers per key refuse NULL instead, with SQLite's own message
 * (test/schema-drift checks that each such key has them and that they refuse). PostgreSQL's primary keys
 * are NOT NULL already.
 */
export const GUARDED_KEYS: readonly (readonly [table: string, column: string])[] = [
  ['oauth_client', 'client_id'],
  ['app_user', 'id'],
  ['refresh_token_family', 'id'],
  ['refresh_token', 'id'],
  ['signing_key', 'kid'],
  ['audit_event', 'id'],
  ['authorization_code', 'id'],
  ['login_session', 'id'],
  ['device_authorization', 'id'],
  ['security_event', 'id'],
  ['security_event_attempt', 'id'],
];

/** The names of the two triggers that keep `table.column` from holding NULL. */
export function keyGuardTriggers(table: string): { insert: string; update: string } {
  return { insert: `trg_${table}_key_not_null_insert`, update: `trg_${table}_key_not_null_update` };
}

function steps(): MigrationSteps {
  const refuse = (table: string, column: string) =>
    `WHEN NEW.${column} IS NULL BEGIN SELECT RAISE(ABORT, 'NOT NULL constraint failed: ${table}.${column}'); END`;
  return {
    up: GUARDED_KEYS.flatMap(([table, column]) => {
      const name = keyGuardTriggers(table);
      return [
        `CREATE TRIGGER ${name.insert} BEFORE INSERT ON ${table} ${refuse(table, column)}`,
        `CREATE TRIGGER ${name.update} BEFORE UPDATE OF ${column} ON ${table} ${refuse(table, column)}`,
      ];
    }),
    down: GUARDED_KEYS.flatMap(([table]) => {
      const name = keyGuardTriggers(table);
      return [`DROP TRIGGER ${name.update}`, `DROP TRIGGER ${name.insert}`];
    }).reverse(),
  };
}

export const KeysNotNull1765600000000 = defineMigration('KeysNotNull', 1765600000000, {
  sqlite: steps(),
});
