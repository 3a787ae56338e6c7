import { Module } from '@nestjs/common';
import { RateLimitStorage } from './rate-limit.storage.js';
import { RedisConnection } from './redis.provider.js';
import { TokenRateLimitGuard } from './token-rate-limit.guard.js';

@Module({
  providers: [RedisConnection, RateLimitStorage, TokenRateLimitGuard],
  exports: [RedisConnection, RateLimitStorage, TokenRateLimitGuard],
})
export class RateLimitModule {}
