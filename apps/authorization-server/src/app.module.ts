import { Module } from '@nestjs/common';
import { AppConfigModule } from '#config';
import { PersistenceModule } from '#persistence';
import { AdminModule } from './admin/admin.module.js';
import { AuthorizationModule } from './authorization/authorization.module.js';
import { ClientsModule } from './clients/clients.module.js';
import { HealthModule } from './health/health.module.js';
import { HousekeepingModule } from './housekeeping/housekeeping.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { SecurityEventsModule } from './security-events/security-events.module.js';
import { TokenModule } from './token/token.module.js';
import { UsersModule } from './users/users.module.js';
import { WellKnownModule } from './well-known/well-known.module.js';

@Module({
  imports: [
    AppConfigModule,
    PersistenceModule,
    ClientsModule,
    UsersModule,
    TokenModule,
    WellKnownModule,
    AdminModule,
    AuthorizationModule,
    HealthModule,
    MetricsModule,
    HousekeepingModule,
    SecurityEventsModule,
  ],
})
export class AppModule {}
