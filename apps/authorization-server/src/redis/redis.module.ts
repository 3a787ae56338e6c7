import { Module } from '@nestjs/common';
import { RedisConnection } from './redis.provider.js';

/** The one Redis connection of the app (REDIS_URL), shared by rate limits, caches, key sync and health. */
@Module({
  providers: [RedisConnection],
  exports: [RedisConnection],
})
export class RedisModule {}
