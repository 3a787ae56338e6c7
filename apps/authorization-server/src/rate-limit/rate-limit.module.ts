import { Module } from '@nestjs/common';
import { RedisModule } from '../redis/redis.module.js';
import { RateLimitStorage } from './rate-limit.storage.js';
import { ClientRateLimitGuard, RateLimits, TokenRateLimitGuard } from './token-rate-limit.guard.js';

@Module({
  imports: [RedisModule],
  providers: [RateLimitStorage, RateLimits, TokenRateLimitGuard, ClientRateLimitGuard],
  exports: [RateLimitStorage, RateLimits, TokenRateLimitGuard, ClientRateLimitGuard],
})
export class RateLimitModule {}
