import { defineMigration } from './migration.js';
import { SCHEMA_V2_DOWN, schemaV2 } from './schema-v2.js';

export const AuthorizationCodeFlow1764200000000 = defineMigration('AuthorizationCodeFlow', 1764200000000, {
  postgres: { up: schemaV2('postgres'), down: SCHEMA_V2_DOWN },
  sqlite: { up: schemaV2('sqlite'), down: SCHEMA_V2_DOWN },
});
