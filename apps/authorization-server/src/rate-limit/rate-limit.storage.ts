import { Injectable } from '@nestjs/common';
import { Clock } from '#config';
import { RedisConnection } from '../redis/redis.provider.js';

export interface WindowCount {
  hits: number;
  /** Milliseconds until the window closes. */
  resetInMs: number;
}

// Fixed window per key: INCR, and PEXPIRE on the first hit; answers [hits, ms left].
const INCREMENT = `local hits = redis.call('INCR', KEYS[1])
if hits == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return {hits, redis.call('PTTL', KEYS[1])}`;

// Takes one hit back from a live window; a window that has closed stays closed.
const GIVE_BACK = `local hits = tonumber(redis.call('GET', KEYS[1]) or '0')
if hits > 0 then return redis.call('DECR', KEYS[1]) end
return 0`;

/** The most windows counted in this process; past it the least recently hit are forgotten first. */
export const MAX_LOCAL_KEYS = 100_000;

/**
 * Fixed-window counters: in Redis when REDIS_URL is set, so every instance shares them; otherwise
 * in this process. A Redis that does not answer lets requests through rather than failing them.
 */
@Injectable()
export class RateLimitStorage {
  private readonly local = new Map<string, { hits: number; resetAt: number }>();

  constructor(
    private readonly redis: RedisConnection,
    private readonly clock: Clock,
  ) {}

  /** Adds a hit. A Redis that does not answer counts nothing: the caller goes on as if under every limit. */
  async increment(key: string, windowMs: number): Promise<WindowCount> {
    try {
      return await this.incrementOrThrow(key, windowMs);
    } catch {
      return { hits: 0, resetInMs: 0 };
    }
  }

  /** Adds a hit; a Redis that does not answer is an error, for callers that must know a hit was lost. */
  async incrementOrThrow(key: string, windowMs: number): Promise<WindowCount> {
    const client = this.redis.client;
    if (!client) return this.incrementLocal(key, windowMs);
    const [hits, pttl] = (await client.eval(INCREMENT, 1, `rl:${key}`, windowMs)) as [number, number];
    return { hits, resetInMs: Math.max(pttl, 0) };
  }

  /** The current count of a window without adding to it. */
  async peek(key: string): Promise<WindowCount> {
    const client = this.redis.client;
    if (!client) {
      const entry = this.local.get(key);
      const now = this.clock.now();
      return entry && entry.resetAt > now
        ? { hits: entry.hits, resetInMs: entry.resetAt - now }
        : { hits: 0, resetInMs: 0 };
    }
    try {
      const [hits, pttl] = (await client.multi().get(`rl:${key}`).pttl(`rl:${key}`).exec()) ?? [];
      return { hits: Number(hits?.[1] ?? 0), resetInMs: Math.max(Number(pttl?.[1] ?? 0), 0) };
    } catch {
      return { hits: 0, resetInMs: 0 };
    }
  }

  /** Takes back a hit that turned out not to count (e.g. a sign-in that succeeded). */
  async giveBack(key: string): Promise<void> {
    const client = this.redis.client;
    if (!client) {
      const entry = this.local.get(key);
      if (entry && entry.resetAt > this.clock.now() && entry.hits > 0) entry.hits -= 1;
      return;
    }
    await client.eval(GIVE_BACK, 1, `rl:${key}`).catch(() => undefined);
  }

  async reset(key: string): Promise<void> {
    this.local.delete(key);
    await this.redis.client?.del(`rl:${key}`).catch(() => undefined);
  }

  private incrementLocal(key: string, windowMs: number): WindowCount {
    const now = this.clock.now();
    let entry = this.local.get(key);
    // Re-inserted on every hit, so the Map's order is least recently hit first: a flood of new keys
    // pushes out idle windows, never a window still in use.
    this.local.delete(key);
    if (!entry || entry.resetAt <= now) entry = { hits: 0, resetAt: now + windowMs };
    if (this.local.size >= MAX_LOCAL_KEYS) this.evictOldest();
    this.local.set(key, entry);
    entry.hits += 1;
    return { hits: entry.hits, resetInMs: entry.resetAt - now };
  }

  private evictOldest(): void {
    const oldest = this.local.keys().next();
    if (!oldest.done) this.local.delete(oldest.value);
  }
}
