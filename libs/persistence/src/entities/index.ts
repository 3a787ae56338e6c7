import { AuditEventEntity } from './audit-event.entity.js';
import { AuthorizationCodeEntity } from './authorization-code.entity.js';
import { ConsentEntity } from './consent.entity.js';
import { DeviceAuthorizationEntity } from './device-authorization.entity.js';
import { LoginSessionEntity } from './login-session.entity.js';
import { ClientEntity } from './client.entity.js';
import { RefreshTokenFamilyEntity } from './refresh-token-family.entity.js';
import { RefreshTokenEntity } from './refresh-token.entity.js';
import { SecurityEventAttemptEntity } from './security-event-attempt.entity.js';
import { SecurityEventEntity } from './security-event.entity.js';
import { SigningKeyEntity } from './signing-key.entity.js';
export { SECURITY_EVENT_STATUSES, type SecurityEventStatus } from './security-event.entity.js';
export { SIGNING_KEY_STATUSES, type SigningKeyStatus } from './signing-key.entity.js';
export type { ClientJwks } from './client.entity.js';
export { DEVICE_AUTHORIZATION_STATUSES, type DeviceAuthorizationStatus } from './device-authorization.entity.js';
import { UserEntity } from './user.entity.js';

export {
  AuditEventEntity,
  AuthorizationCodeEntity,
  ConsentEntity,
  DeviceAuthorizationEntity,
  LoginSessionEntity,
  ClientEntity,
  RefreshTokenEntity,
  RefreshTokenFamilyEntity,
  SecurityEventAttemptEntity,
  SecurityEventEntity,
  SigningKeyEntity,
  UserEntity,
};

export const ENTITIES = [
  ClientEntity,
  UserEntity,
  RefreshTokenFamilyEntity,
  RefreshTokenEntity,
  SigningKeyEntity,
  AuditEventEntity,
  AuthorizationCodeEntity,
  ConsentEntity,
  LoginSessionEntity,
  DeviceAuthorizationEntity,
  SecurityEventEntity,
  SecurityEventAttemptEntity,
];
