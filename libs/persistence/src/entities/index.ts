import { AuditEventEntity } from './audit-event.entity.js';
import { ClientEntity } from './client.entity.js';
import { RefreshTokenFamilyEntity } from './refresh-token-family.entity.js';
import { RefreshTokenEntity } from './refresh-token.entity.js';
import { SigningKeyEntity } from './signing-key.entity.js';
import { UserEntity } from './user.entity.js';

export { AuditEventEntity, ClientEntity, RefreshTokenEntity, RefreshTokenFamilyEntity, SigningKeyEntity, UserEntity };

export const ENTITIES = [
  ClientEntity,
  UserEntity,
  RefreshTokenFamilyEntity,
  RefreshTokenEntity,
  SigningKeyEntity,
  AuditEventEntity,
];
