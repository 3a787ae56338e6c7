import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { ClientsModule } from '../clients/clients.module.js';
import { RateLimitModule } from '../rate-limit/rate-limit.module.js';
import { UsersModule } from '../users/users.module.js';
import { AuthorizationCodesService } from './authorization-codes.service.js';
import { AuthorizationFlowService } from './authorization-flow.service.js';
import { AuthorizationPagesService } from './authorization-pages.service.js';
import { AuthorizationController } from './authorization.controller.js';
import { ConsentsService } from './consents.service.js';
import { LoginSessionsService } from './login-sessions.service.js';
import { LoginThrottle } from './login-throttle.service.js';

@Module({
  imports: [AuditModule, ClientsModule, UsersModule, RateLimitModule],
  controllers: [AuthorizationController],
  providers: [
    AuthorizationPagesService,
    AuthorizationFlowService,
    AuthorizationCodesService,
    ConsentsService,
    LoginSessionsService,
    LoginThrottle,
  ],
  exports: [AuthorizationCodesService, ConsentsService, LoginThrottle],
})
export class AuthorizationModule {}
