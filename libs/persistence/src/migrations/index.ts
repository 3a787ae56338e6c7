import {
  InitialSchemaPostgres1764100000000,
  InitialSchemaSqlite1764100000000,
} from './1764100000000-initial-schema.js';

export const SQLITE_MIGRATIONS = [InitialSchemaSqlite1764100000000];
export const POSTGRES_MIGRATIONS = [InitialSchemaPostgres1764100000000];
