import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { RefreshTokenRevocation } from './refresh-token-revocation.service.js';

/** The one service that revokes refresh tokens; see RefreshTokenRevocation. */
@Module({ imports: [AuditModule], providers: [RefreshTokenRevocation], exports: [RefreshTokenRevocation] })
export class RevocationModule {}
