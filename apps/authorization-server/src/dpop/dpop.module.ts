import { Module } from '@nestjs/common';
import { Clock } from '#config';
import { MemoryReplayCache, RedisReplayCache, ReplayCache } from '#oauth';
import { RedisConnection } from '../redis/redis.provider.js';
import { RedisModule } from '../redis/redis.module.js';
import { DpopProofs } from './dpop-proofs.service.js';

/**
 * DPoP proofs (RFC 9449): their verification at the token endpoint and at this server's own protected
 * routes, and the replay cache that spends each proof's jti, shared by every instance through Redis
 * (REDIS_URL) so that a proof accepted by one is refused by all.
 */
@Module({
  imports: [RedisModule],
  providers: [
    {
      provide: ReplayCache,
      inject: [RedisConnection, Clock],
      useFactory: (redis: RedisConnection, clock: Clock) =>
        redis.client ? new RedisReplayCache(redis.client, 'dpop-jti:') : new MemoryReplayCache(() => clock.now()),
    },
    DpopProofs,
  ],
  exports: [DpopProofs],
})
export class DpopModule {}
