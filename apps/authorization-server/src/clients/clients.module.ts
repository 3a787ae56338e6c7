import { Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { AuditModule } from '../audit/audit.module.js';
import { RateLimitModule } from '../rate-limit/rate-limit.module.js';
import { AdminClientBootstrap } from './admin-client.bootstrap.js';
import { AuthFailureMonitor } from './auth-failure-monitor.js';
import { ClientCache } from './client-cache.js';
import { ClientAuthGuard } from './client-auth.guard.js';
import { ClientsService } from './clients.service.js';
import { ClientSecretBasicStrategy } from './strategies/client-secret-basic.strategy.js';
import { ClientSecretPostStrategy } from './strategies/client-secret-post.strategy.js';
import { PublicClientStrategy } from './strategies/public-client.strategy.js';

@Module({
  imports: [PassportModule, AuditModule, RateLimitModule],
  providers: [
    AuthFailureMonitor,
    ClientCache,
    ClientsService,
    ClientAuthGuard,
    AdminClientBootstrap,
    ClientSecretBasicStrategy,
    ClientSecretPostStrategy,
    PublicClientStrategy,
  ],
  // The strategies too: a guard used by class is built in the module of the controller using it.
  exports: [ClientsService, ClientAuthGuard, ClientSecretBasicStrategy, ClientSecretPostStrategy, PublicClientStrategy],
})
export class ClientsModule {}
