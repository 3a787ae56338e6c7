import type { Provider } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditEventRepository } from './audit-event.repository.js';
import { AuthorizationCodeRepository } from './authorization-code.repository.js';
import { ClientRepository } from './client.repository.js';
import { ConsentRepository } from './consent.repository.js';
import { DeviceAuthorizationRepository } from './device-authorization.repository.js';
import { LoginSessionRepository } from './login-session.repository.js';
import { SecurityEventRepository } from './security-event.repository.js';
import { SigningKeyRepository } from './signing-key.repository.js';
import { TransactionRunner, type TransactionalRepositories } from './transaction-runner.js';
import { UserRepository } from './user.repository.js';
import { TypeOrmAuditEventRepository } from './typeorm-audit-event.repository.js';
import { TypeOrmAuthorizationCodeRepository } from './typeorm-authorization-code.repository.js';
import { TypeOrmClientRepository } from './typeorm-client.repository.js';
import { TypeOrmConsentRepository } from './typeorm-consent.repository.js';
import { TypeOrmDeviceAuthorizationRepository } from './typeorm-device-authorization.repository.js';
import { TypeOrmLoginSessionRepository } from './typeorm-login-session.repository.js';
import { TypeOrmSecurityEventRepository } from './typeorm-security-event.repository.js';
import { TypeOrmSigningKeyRepository } from './typeorm-signing-key.repository.js';
import { TypeOrmUserRepository } from './typeorm-user.repository.js';

/** The aggregate repositories over one entity manager: the data source's, or a transaction's. */
export function typeOrmRepositories(manager: EntityManager): TransactionalRepositories {
  return {
    auditEvents: new TypeOrmAuditEventRepository(manager),
    authorizationCodes: new TypeOrmAuthorizationCodeRepository(manager),
    clients: new TypeOrmClientRepository(manager),
    consents: new TypeOrmConsentRepository(manager),
    loginSessions: new TypeOrmLoginSessionRepository(manager),
    securityEvents: new TypeOrmSecurityEventRepository(manager),
    signingKeys: new TypeOrmSigningKeyRepository(manager),
    users: new TypeOrmUserRepository(manager),
  };
}

export class TypeOrmTransactionRunner extends TransactionRunner {
  constructor(private readonly dataSource: DataSource) {
    super();
  }

  run<T>(work: (tx: TransactionalRepositories) => Promise<T>): Promise<T> {
    return this.dataSource.transaction((manager) => work(typeOrmRepositories(manager)));
  }
}

/** The aggregate repositories and the transaction runner, as the persistence module provides and exports them. */
export const AGGREGATE_REPOSITORIES = [
  AuditEventRepository,
  AuthorizationCodeRepository,
  ClientRepository,
  ConsentRepository,
  DeviceAuthorizationRepository,
  LoginSessionRepository,
  SecurityEventRepository,
  SigningKeyRepository,
  UserRepository,
  TransactionRunner,
];

const overManager = <T>(provide: abstract new (...args: never[]) => T, make: (m: EntityManager) => T): Provider => ({
  provide,
  inject: [DataSource],
  useFactory: (ds: DataSource) => make(ds.manager),
});

export const AGGREGATE_REPOSITORY_PROVIDERS: Provider[] = [
  overManager(AuditEventRepository, (m) => new TypeOrmAuditEventRepository(m)),
  overManager(AuthorizationCodeRepository, (m) => new TypeOrmAuthorizationCodeRepository(m)),
  overManager(ClientRepository, (m) => new TypeOrmClientRepository(m)),
  overManager(ConsentRepository, (m) => new TypeOrmConsentRepository(m)),
  overManager(DeviceAuthorizationRepository, (m) => new TypeOrmDeviceAuthorizationRepository(m)),
  overManager(LoginSessionRepository, (m) => new TypeOrmLoginSessionRepository(m)),
  overManager(SecurityEventRepository, (m) => new TypeOrmSecurityEventRepository(m)),
  overManager(SigningKeyRepository, (m) => new TypeOrmSigningKeyRepository(m)),
  overManager(UserRepository, (m) => new TypeOrmUserRepository(m)),
  {
    provide: TransactionRunner,
    inject: [DataSource],
    useFactory: (ds: DataSource) => new TypeOrmTransactionRunner(ds),
  },
];
