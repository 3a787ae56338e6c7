import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { cacheConfig, Clock, type CacheConfig } from '#config';
import type { ClientEntity } from '#persistence';
import { RedisConnection } from '../redis/redis.provider.js';

/** The Redis channel on which every instance announces a changed or deleted client. */
export const CLIENT_INVALIDATION_CHANNEL = 'oauth:clients:invalidate';
const MAX_ENTRIES = 10_000;

/** What client authentication needs: the registration and the stored secret hash. */
export interface ClientCredentialsRecord {
  client: Readonly<ClientEntity>;
  secretHash: string | null;
}

/**
 * Client registrations in memory, so the token endpoint does not read the database for every
 * request. A change made through any instance drops the entry here and, through Redis pub/sub,
 * on every other instance; entries also expire after CLIENT_CACHE_TTL seconds. With REDIS_URL
 * set, nothing is served from memory while the subscription is down (invalidations could be lost).
 */
@Injectable()
export class ClientCache implements OnModuleInit, OnApplicationShutdown {
  private readonly entries = new Map<string, { record: ClientCredentialsRecord; until: number }>();
  private readonly ttlMs: number;
  private readonly logger = new Logger(ClientCache.name);
  private subscriber: Redis | null = null;
  /** Bumped by every invalidation: a load that began before one must not fill the cache. */
  private generation = 0;

  constructor(
    @Inject(cacheConfig.KEY) config: CacheConfig,
    private readonly redis: RedisConnection,
    private readonly clock: Clock,
  ) {
    this.ttlMs = config.clientTtlSeconds * 1000;
  }

  onModuleInit(): void {
    if (!this.redis.client || this.ttlMs === 0) return;
    const subscriber = this.redis.client.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null });
    subscriber.on('error', (e: Error & { code?: string }) => this.logger.warn(`redis subscriber: ${e.code ?? e.name}`));
    // Messages sent while the subscription was down are lost: start over on every (re)connection.
    subscriber.on('ready', () => this.clear());
    subscriber.on('message', (_channel: string, clientId: string) => this.drop(clientId));
    subscriber.subscribe(CLIENT_INVALIDATION_CHANNEL).catch(() => undefined);
    this.subscriber = subscriber;
  }

  onApplicationShutdown(): void {
    this.subscriber?.disconnect();
  }

  /** The cached record, or loads it (a missing client is not cached). */
  async get(
    clientId: string,
    load: (clientId: string) => Promise<ClientCredentialsRecord | null>,
  ): Promise<ClientCredentialsRecord | null> {
    const now = this.clock.now();
    const usable = this.usable();
    const entry = usable ? this.entries.get(clientId) : undefined;
    if (entry && entry.until > now) return entry.record;
    const generation = this.generation;
    const record = await load(clientId);
    if (record && usable && generation === this.generation) this.put(clientId, record, now);
    return record;
  }

  /** Forgets the client here and on every other instance; call after the change is committed. */
  async invalidate(clientId: string): Promise<void> {
    this.drop(clientId);
    if (!this.subscriber || !this.redis.client) return;
    try {
      await this.redis.client.publish(CLIENT_INVALIDATION_CHANNEL, clientId);
    } catch (e) {
      this.logger.warn(
        `client change not announced to other instances (they see it within ${this.ttlMs / 1000} s): ${(e as Error).name}`,
      );
    }
  }

  private usable(): boolean {
    return this.ttlMs > 0 && (this.subscriber === null || this.subscriber.status === 'ready');
  }

  private put(clientId: string, record: ClientCredentialsRecord, now: number): void {
    if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value as string);
    Object.freeze(record.client);
    this.entries.set(clientId, { record, until: now + this.ttlMs });
  }

  private drop(clientId: string): void {
    this.generation += 1;
    this.entries.delete(clientId);
  }

  private clear(): void {
    this.generation += 1;
    this.entries.clear();
  }
}
