import { Module } from '@nestjs/common';
import { RateLimitStorage } from './rate-limit.storage.js';
import { RedisConnection } from './redis.provider.js';
import { ClientRateLimitGuard, RateLimits, TokenRateLimitGuard } from './token-rate-limit.guard.js';

@Module({
  providers: [RedisConnection, RateLimitStorage, RateLimits, TokenRateLimitGuard, ClientRateLimitGuard],
  exports: [RedisConnection, RateLimitStorage, RateLimits, TokenRateLimitGuard, ClientRateLimitGuard],
})
export class RateLimitModule {}
