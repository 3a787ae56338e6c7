import {
  InitialSchemaPostgres1764100000000,
  InitialSchemaSqlite1764100000000,
} from './1764100000000-initial-schema.js';
import {
  AuthorizationCodeFlowPostgres1764200000000,
  AuthorizationCodeFlowSqlite1764200000000,
} from './1764200000000-authorization-code-flow.js';
import {
  HousekeepingIndexesPostgres1764300000000,
  HousekeepingIndexesSqlite1764300000000,
} from './1764300000000-housekeeping-indexes.js';
import { HeapOnlyUpdatesPostgres1764400000000 } from './1764400000000-heap-only-updates.js';
import { BulkRevocationRoomPostgres1764500000000 } from './1764500000000-bulk-revocation-room.js';
import {
  RefreshTokenLookupByIdPostgres1764600000000,
  RefreshTokenLookupByIdSqlite1764600000000,
} from './1764600000000-refresh-token-lookup-by-id.js';
import { TokenStanding1764700000000 } from './1764700000000-token-standing.js';
import {
  AuthorizationCodeRedirectUriSentPostgres1764800000000,
  AuthorizationCodeRedirectUriSentSqlite1764800000000,
} from './1764800000000-authorization-code-redirect-uri-sent.js';
import { SigningKeyRotation1764900000000 } from './1764900000000-signing-key-rotation.js';

export const SQLITE_MIGRATIONS = [
  InitialSchemaSqlite1764100000000,
  AuthorizationCodeFlowSqlite1764200000000,
  HousekeepingIndexesSqlite1764300000000,
  RefreshTokenLookupByIdSqlite1764600000000,
  TokenStanding1764700000000,
  AuthorizationCodeRedirectUriSentSqlite1764800000000,
  SigningKeyRotation1764900000000,
];
export const POSTGRES_MIGRATIONS = [
  InitialSchemaPostgres1764100000000,
  AuthorizationCodeFlowPostgres1764200000000,
  HousekeepingIndexesPostgres1764300000000,
  HeapOnlyUpdatesPostgres1764400000000,
  BulkRevocationRoomPostgres1764500000000,
  RefreshTokenLookupByIdPostgres1764600000000,
  TokenStanding1764700000000,
  AuthorizationCodeRedirectUriSentPostgres1764800000000,
  SigningKeyRotation1764900000000,
];
