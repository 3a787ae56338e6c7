import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { redisConfig, type RedisConfig } from '#config';

/** How long start-up waits for Redis before serving without it (connectTimeout is 2 s). */
const READY_WAIT_MS = 2500;

/** The Redis connection when REDIS_URL is set; null means one instance with in-process counters. */
@Injectable()
export class RedisConnection implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly client: Redis | null;
  private readonly logger = new Logger('Redis');

  constructor(@Inject(redisConfig.KEY) config: RedisConfig) {
    this.client = config.url
      ? new Redis(config.url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2000 })
      : null;
    // Connection errors are reported by the readiness check; log the kind only (the URL may hold a password).
    this.client?.on('error', (e: Error & { code?: string }) => this.logger.warn(`redis: ${e.code ?? e.name}`));
  }

  /**
   * Commands sent before the connection is ready fail (no offline queue), and the counters would
   * let them through uncounted: the app starts serving once Redis is ready, has failed, or the
   * wait is over.
   */
  async onApplicationBootstrap(): Promise<void> {
    const client = this.client;
    if (!client || client.status === 'ready') return;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        client.off('ready', done).off('error', done);
        resolve();
      };
      const timer = setTimeout(done, READY_WAIT_MS);
      client.once('ready', done).once('error', done);
    });
  }

  async onApplicationShutdown(): Promise<void> {
    if (!this.client) return;
    // quit() waits for a connection that may never come; a client that is not connected just stops retrying.
    if (this.client.status === 'ready') await this.client.quit().catch(() => this.client?.disconnect());
    else this.client.disconnect();
  }
}
