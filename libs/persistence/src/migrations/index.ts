import { InitialSchema1764100000000 } from './1764100000000-initial-schema.js';
import { AuthorizationCodeFlow1764200000000 } from './1764200000000-authorization-code-flow.js';
import { HousekeepingIndexes1764300000000 } from './1764300000000-housekeeping-indexes.js';
import { HeapOnlyUpdates1764400000000 } from './1764400000000-heap-only-updates.js';
import { BulkRevocationRoom1764500000000 } from './1764500000000-bulk-revocation-room.js';
import { RefreshTokenLookupById1764600000000 } from './1764600000000-refresh-token-lookup-by-id.js';
import { TokenStanding1764700000000 } from './1764700000000-token-standing.js';
import { AuthorizationCodeRedirectUriSent1764800000000 } from './1764800000000-authorization-code-redirect-uri-sent.js';
import { SigningKeyRotation1764900000000 } from './1764900000000-signing-key-rotation.js';
import { ClientKeys1765100000000 } from './1765100000000-client-keys.js';
import { DpopBinding1765200000000 } from './1765200000000-dpop-binding.js';
import { DeviceAuthorization1765300000000 } from './1765300000000-device-authorization.js';
import { SecurityEvents1765400000000 } from './1765400000000-security-events.js';
import { FamilyLineage1765500000000 } from './1765500000000-family-lineage.js';
import { KeysNotNull1765600000000 } from './1765600000000-keys-not-null.js';
import { migrationsFor } from './migration.js';

/** Every migration, oldest first; each dialect runs the ones that have statements for it. */
const MIGRATIONS = [
  InitialSchema1764100000000,
  AuthorizationCodeFlow1764200000000,
  HousekeepingIndexes1764300000000,
  HeapOnlyUpdates1764400000000,
  BulkRevocationRoom1764500000000,
  RefreshTokenLookupById1764600000000,
  TokenStanding1764700000000,
  AuthorizationCodeRedirectUriSent1764800000000,
  SigningKeyRotation1764900000000,
  ClientKeys1765100000000,
  DpopBinding1765200000000,
  DeviceAuthorization1765300000000,
  SecurityEvents1765400000000,
  FamilyLineage1765500000000,
  KeysNotNull1765600000000,
];

export const SQLITE_MIGRATIONS = migrationsFor('sqlite', MIGRATIONS);
export const POSTGRES_MIGRATIONS = migrationsFor('postgres', MIGRATIONS);
