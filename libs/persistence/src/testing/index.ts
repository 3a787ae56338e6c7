import { FakeAuditEventRepository } from './fake-audit-event.repository.js';
import { FakeAuthorizationCodeRepository } from './fake-authorization-code.repository.js';
import { FakeClientRepository } from './fake-client.repository.js';
import { FakeConsentRepository } from './fake-consent.repository.js';
import { FakeDeviceAuthorizationRepository } from './fake-device-authorization.repository.js';
import { FakeLoginSessionRepository } from './fake-login-session.repository.js';
import { FakeRefreshTokenRepository } from './fake-refresh-token.repository.js';
import { FakeSecurityEventRepository } from './fake-security-event.repository.js';
import { FakeSigningKeyRepository } from './fake-signing-key.repository.js';
import { FakeTransactionRunner } from './fake-transaction-runner.js';
import { FakeUserRepository } from './fake-user.repository.js';

export * from './fake-audit-event.repository.js';
export * from './fake-authorization-code.repository.js';
export * from './fake-client.repository.js';
export * from './fake-consent.repository.js';
export * from './fake-device-authorization.repository.js';
export * from './fake-login-session.repository.js';
export * from './fake-refresh-token.repository.js';
export * from './fake-security-event.repository.js';
export * from './fake-signing-key.repository.js';
export * from './fake-transaction-runner.js';
export * from './fake-user.repository.js';

/** In-memory repositories for unit specs; never part of the build (tsconfig.build.json excludes testing/). */
export interface FakeRepositories {
  auditEvents: FakeAuditEventRepository;
  authorizationCodes: FakeAuthorizationCodeRepository;
  clients: FakeClientRepository;
  consents: FakeConsentRepository;
  deviceAuthorizations: FakeDeviceAuthorizationRepository;
  loginSessions: FakeLoginSessionRepository;
  refreshTokens: FakeRefreshTokenRepository;
  securityEvents: FakeSecurityEventRepository;
  signingKeys: FakeSigningKeyRepository;
  users: FakeUserRepository;
  transactions: FakeTransactionRunner;
}

/** One empty store: the refresh-token fake joins the same users and codes, and audits into the same log. */
export function fakeRepositories(): FakeRepositories {
  const clients = new FakeClientRepository();
  const aggregates = {
    auditEvents: new FakeAuditEventRepository(),
    authorizationCodes: new FakeAuthorizationCodeRepository(),
    clients,
    consents: new FakeConsentRepository(),
    loginSessions: new FakeLoginSessionRepository(),
    securityEvents: new FakeSecurityEventRepository(clients),
    signingKeys: new FakeSigningKeyRepository(),
    users: new FakeUserRepository(),
  };
  return {
    ...aggregates,
    refreshTokens: new FakeRefreshTokenRepository(
      aggregates.users,
      aggregates.authorizationCodes,
      aggregates.auditEvents,
      aggregates.securityEvents,
    ),
    deviceAuthorizations: new FakeDeviceAuthorizationRepository(aggregates.users),
    transactions: new FakeTransactionRunner(aggregates),
  };
}
