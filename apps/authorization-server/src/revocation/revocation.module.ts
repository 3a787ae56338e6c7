import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { SecurityEventOutboxModule } from '../security-events/security-event-outbox.module.js';
import { RefreshTokenRevocation } from './refresh-token-revocation.service.js';

/** The one service that revokes refresh tokens; see RefreshTokenRevocation. */
@Module({
  imports: [AuditModule, SecurityEventOutboxModule],
  providers: [RefreshTokenRevocation],
  exports: [RefreshTokenRevocation],
})
export class RevocationModule {}
