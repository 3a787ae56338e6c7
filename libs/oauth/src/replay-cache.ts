/**
 * Remembers one-time identifiers (a DPoP proof's or a client assertion's jti) for as long as what
 * carries them could be accepted, so that each is used once (RFC 9449 11.1, RFC 7523 3). `remember`
 * answers false when the key was already there; the check and the write are one atomic step, so two
 * requests, or two instances sharing the cache, never both accept the same one.
 */
export abstract class ReplayCache {
  abstract remember(key: string, ttlMs: number): Promise<boolean>;
}

/**
 * The replay cache of one instance. Every caller keeps its entries for a fixed time, so insertion order
 * is close to expiry order and expired entries are dropped from the front as new ones arrive.
 */
export class MemoryReplayCache extends ReplayCache {
  private readonly expiries = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {
    super();
  }

  get size(): number {
    return this.expiries.size;
  }

  remember(key: string, ttlMs: number): Promise<boolean> {
    const now = this.now();
    for (const [k, expiry] of this.expiries) {
      if (expiry > now) break;
      this.expiries.delete(k);
    }
    const known = this.expiries.get(key);
    if (known !== undefined && known > now) return Promise.resolve(false);
    this.expiries.delete(key);
    this.expiries.set(key, now + ttlMs);
    return Promise.resolve(true);
  }
}

/** The one Redis command the shared replay cache needs (ioredis's `set` satisfies it). */
export interface RedisSetNx {
  set(key: string, value: string, px: 'PX', ttlMs: number, nx: 'NX'): Promise<'OK' | null>;
}

/**
 * The replay cache shared by every instance (REDIS_URL): one `SET key 1 PX ttl NX` per identifier, so
 * the check and the write are one atomic step on the Redis server, and an identifier accepted by one
 * instance is refused by all the others. When Redis cannot answer, `remember` rejects and the caller
 * refuses the request: accepting it could let a replay through.
 */
export class RedisReplayCache extends ReplayCache {
  constructor(
    private readonly redis: RedisSetNx,
    private readonly prefix = 'replay:',
  ) {
    super();
  }

  async remember(key: string, ttlMs: number): Promise<boolean> {
    const ttl = Math.max(1, Math.ceil(ttlMs));
    return (await this.redis.set(`${this.prefix}${key}`, '1', 'PX', ttl, 'NX')) === 'OK';
  }
}
