import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { MemoryReplayCache, RedisReplayCache, type ReplayCache } from './replay-cache.js';

describe('MemoryReplayCache', () => {
  let now: number;
  let cache: MemoryReplayCache;
  beforeEach(() => {
    now = 1_000_000;
    cache = new MemoryReplayCache(() => now);
  });

  it('accepts a key once while it is remembered, then again after its time', async () => {
    expect(await cache.remember('a', 1000)).toBe(true);
    expect(await cache.remember('a', 1000)).toBe(false);
    now += 999;
    expect(await cache.remember('a', 1000)).toBe(false);
    now += 1;
    expect(await cache.remember('a', 1000)).toBe(true);
  });

  it('keeps keys apart', async () => {
    expect(await cache.remember('a', 1000)).toBe(true);
    expect(await cache.remember('b', 1000)).toBe(true);
  });

  it('drops expired keys as new ones arrive, so it does not grow without bound', async () => {
    for (let i = 0; i < 100; i++) await cache.remember(`k${i}`, 1000);
    expect(cache.size).toBe(100);
    now += 1000;
    await cache.remember('new', 1000);
    expect(cache.size).toBe(1);
  });
});

describe('RedisReplayCache (the Redis at 127.0.0.1:6379)', () => {
  const opened: Redis[] = [];
  const connect = () => {
    const r = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 1, lazyConnect: false });
    opened.push(r);
    return r;
  };
  afterAll(async () => {
    await Promise.all(opened.map((r) => r.quit().catch(() => r.disconnect())));
  });

  it('accepts a key once across two instances, each with its own connection', async () => {
    const prefix = `replay-spec:${randomUUID()}:`;
    const one: ReplayCache = new RedisReplayCache(connect(), prefix);
    const two: ReplayCache = new RedisReplayCache(connect(), prefix);
    expect(await one.remember('jti-1', 5000)).toBe(true);
    expect(await two.remember('jti-1', 5000)).toBe(false);
    expect(await one.remember('jti-1', 5000)).toBe(false);
    expect(await two.remember('jti-2', 5000)).toBe(true);
  });

  it('of many concurrent attempts at one key, exactly one wins', async () => {
    const prefix = `replay-spec:${randomUUID()}:`;
    const caches = [connect(), connect(), connect()].map((r) => new RedisReplayCache(r, prefix));
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => caches[i % 3].remember('same', 5000)));
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('forgets a key after its time, and stores it under the prefix with that expiry', async () => {
    const prefix = `replay-spec:${randomUUID()}:`;
    const redis = connect();
    const cache = new RedisReplayCache(redis, prefix);
    expect(await cache.remember('short', 150)).toBe(true);
    const ttl = await redis.pttl(`${prefix}short`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(150);
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(await cache.remember('short', 150)).toBe(true);
  });

  it('rejects when Redis cannot answer, so the caller refuses rather than accepts', async () => {
    const down = new Redis('redis://127.0.0.1:1', {
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      lazyConnect: true,
      retryStrategy: () => null,
    });
    const cache = new RedisReplayCache(down);
    await expect(cache.remember('x', 1000)).rejects.toThrow();
    down.disconnect();
  });
});
