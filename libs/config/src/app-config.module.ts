import { Global, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { Clock } from './clock.js';
import {
  adminConfig,
  authorizationConfig,
  cacheConfig,
  databaseConfig,
  dpopConfig,
  housekeepingConfig,
  signingKeysConfig,
  httpConfig,
  metricsConfig,
  rateLimitConfig,
  redisConfig,
  registrationConfig,
  securityEventsConfig,
  serverConfig,
} from './config.namespaces.js';
import { validateEnvironment } from './environment.js';

@Global()
@Module({
  imports: [
    ConfigModule.forRoot({
      ignoreEnvFile: true,
      cache: false,
      load: [
        serverConfig,
        databaseConfig,
        adminConfig,
        authorizationConfig,
        httpConfig,
        rateLimitConfig,
        housekeepingConfig,
        signingKeysConfig,
        metricsConfig,
        cacheConfig,
        redisConfig,
        registrationConfig,
        dpopConfig,
        securityEventsConfig,
      ],
      validate: (raw) => {
        validateEnvironment(raw);
        return raw;
      },
    }),
  ],
  providers: [Clock],
  exports: [Clock, ConfigModule],
})
export class AppConfigModule {}
