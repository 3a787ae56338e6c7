import { defineMigration } from './migration.js';
import { SCHEMA_V1_TABLES, schemaV1 } from './schema-v1.js';

const SCHEMA_V1_DOWN = SCHEMA_V1_TABLES.map((table) => `DROP TABLE ${table}`);

export const InitialSchema1764100000000 = defineMigration('InitialSchema', 1764100000000, {
  postgres: { up: schemaV1('postgres'), down: SCHEMA_V1_DOWN },
  sqlite: { up: schemaV1('sqlite'), down: SCHEMA_V1_DOWN },
});
