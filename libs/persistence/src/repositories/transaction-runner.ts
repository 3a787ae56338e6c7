import type { AuditEventRepository } from './audit-event.repository.js';
import type { AuthorizationCodeRepository } from './authorization-code.repository.js';
import type { ClientRepository } from './client.repository.js';
import type { ConsentRepository } from './consent.repository.js';
import type { LoginSessionRepository } from './login-session.repository.js';
import type { SecurityEventRepository } from './security-event.repository.js';
import type { SigningKeyRepository } from './signing-key.repository.js';
import type { UserRepository } from './user.repository.js';

/** The aggregate repositories, bound to one transaction. */
export interface TransactionalRepositories {
  auditEvents: AuditEventRepository;
  authorizationCodes: AuthorizationCodeRepository;
  clients: ClientRepository;
  consents: ConsentRepository;
  loginSessions: LoginSessionRepository;
  securityEvents: SecurityEventRepository;
  signingKeys: SigningKeyRepository;
  users: UserRepository;
}

/** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
export abstract class TransactionRunner {
  abstract run<T>(work: (tx: TransactionalRepositories) => Promise<T>): Promise<T>;
}
