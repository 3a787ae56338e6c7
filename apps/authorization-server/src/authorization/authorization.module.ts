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
import { DeviceAuthorizationsService } from './device-authorizations.service.js';
import { DevicePagesService } from './device-pages.service.js';
import { DeviceController } from './device.controller.js';
import { LoginSessionsService } from './login-sessions.service.js';
import { LoginThrottle } from './login-throttle.service.js';
import { UserCodeThrottle } from './user-code-throttle.service.js';

@Module({
  imports: [AuditModule, ClientsModule, UsersModule, RateLimitModule],
  controllers: [AuthorizationController, DeviceController],
  providers: [
    AuthorizationPagesService,
    AuthorizationFlowService,
    AuthorizationCodesService,
    ConsentsService,
    LoginSessionsService,
    LoginThrottle,
    DeviceAuthorizationsService,
    DevicePagesService,
    UserCodeThrottle,
  ],
  exports: [AuthorizationCodesService, ConsentsService, LoginThrottle, DeviceAuthorizationsService],
})
export class AuthorizationModule {}
