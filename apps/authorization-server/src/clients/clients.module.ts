import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { RateLimitModule } from '../rate-limit/rate-limit.module.js';
import { RedisModule } from '../redis/redis.module.js';
import { SecurityEventOutboxModule } from '../security-events/security-event-outbox.module.js';
import { AdminClientBootstrap } from './admin-client.bootstrap.js';
import { AuthFailureMonitor } from './auth-failure-monitor.js';
import { ClientAssertionService } from './client-assertion.service.js';
import { ClientAuthGuard } from './client-auth.guard.js';
import { ClientCache } from './client-cache.js';
import { ClientAuthenticationService } from './client-authentication.service.js';
import { ClientRegistrationService } from './client-registration.service.js';

@Module({
  imports: [AuditModule, RateLimitModule, RedisModule, SecurityEventOutboxModule],
  providers: [
    AuthFailureMonitor,
    ClientCache,
    ClientRegistrationService,
    ClientAuthenticationService,
    ClientAssertionService,
    ClientAuthGuard,
    AdminClientBootstrap,
  ],
  exports: [ClientRegistrationService, ClientAuthenticationService, ClientAuthGuard],
})
export class ClientsModule {}
