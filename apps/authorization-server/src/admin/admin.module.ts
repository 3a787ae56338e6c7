import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { AuthorizationModule } from '../authorization/authorization.module.js';
import { ClientsModule } from '../clients/clients.module.js';
import { KeysModule } from '../keys/keys.module.js';
import { RevocationModule } from '../revocation/revocation.module.js';
import { UsersModule } from '../users/users.module.js';
import { AdminAuditController } from './audit/admin-audit.controller.js';
import { AdminAuditService } from './audit/admin-audit.service.js';
import { AdminAuthGuard } from './auth/admin-auth.guard.js';
import { BearerModule } from '../bearer/bearer.module.js';
import { AdminClientsController } from './clients/admin-clients.controller.js';
import { AdminClientsService } from './clients/admin-clients.service.js';
import { AdminRefreshTokenFamiliesController } from './refresh-tokens/admin-refresh-token-families.controller.js';
import { AdminRefreshTokensController } from './refresh-tokens/admin-refresh-tokens.controller.js';
import { AdminRefreshTokensService } from './refresh-tokens/admin-refresh-tokens.service.js';
import { AdminSecurityEventsController } from './security-events/admin-security-events.controller.js';
import { AdminSecurityEventsService } from './security-events/admin-security-events.service.js';
import { SecurityEventsModule } from '../security-events/security-events.module.js';
import { AdminSigningKeysController } from './signing-keys/admin-signing-keys.controller.js';
import { AdminSigningKeysService } from './signing-keys/admin-signing-keys.service.js';
import { AdminUsersController } from './users/admin-users.controller.js';
import { AdminUsersService } from './users/admin-users.service.js';

@Module({
  imports: [
    AuditModule,
    AuthorizationModule,
    ClientsModule,
    UsersModule,
    KeysModule,
    BearerModule,
    RevocationModule,
    SecurityEventsModule,
  ],
  controllers: [
    AdminRefreshTokensController,
    AdminRefreshTokenFamiliesController,
    AdminClientsController,
    AdminUsersController,
    AdminAuditController,
    AdminSigningKeysController,
    AdminSecurityEventsController,
  ],
  providers: [
    AdminAuditService,
    AdminAuthGuard,
    AdminRefreshTokensService,
    AdminClientsService,
    AdminUsersService,
    AdminSigningKeysService,
    AdminSecurityEventsService,
  ],
})
export class AdminModule {}
