import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { rateLimitConfig, type RateLimitConfig } from '#config';

/** The Redis connection when REDIS_URL is set; null means one instance with in-process counters. */
@Injectable()
export class RedisConnection implements OnApplicationShutdown {
  readonly client: Redis | null;
  private readonly logger = new Logger('Redis');

  constructor(@Inject(rateLimitConfig.KEY) config: RateLimitConfig) {
    this.client = config.redisUrl
      ? new Redis(config.redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2000 })
      : null;
    // Connection errors are reported by the readiness check; log the kind only (the URL may hold a password).
    this.client?.on('error', (e: Error & { code?: string }) => this.logger.warn(`redis: ${e.code ?? e.name}`));
  }

  async onApplicationShutdown(): Promise<void> {
    if (!this.client) return;
    // quit() waits for a connection that may never come; a client that is not connected just stops retrying.
    if (this.client.status === 'ready') await this.client.quit().catch(() => this.client?.disconnect());
    else this.client.disconnect();
  }
}
