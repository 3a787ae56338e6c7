import { jest } from '@jest/globals';
import { Redis } from 'ioredis';
import { Clock } from '#config';
import type { ClientEntity } from '#persistence';
import type { RedisConnection } from '../redis/redis.provider.js';
import { ClientCache, type ClientCredentialsRecord } from './client-cache.js';

class ManualClock extends Clock {
  at = 1_000_000;
  override now(): number {
    return this.at;
  }
}

const record = (scope: string): ClientCredentialsRecord => ({
  client: { client_id: 'c1', scope } as ClientEntity,
  secretHash: 'hash',
});

/** A loader that answers from `rows` and counts its calls. */
function loader(rows: Map<string, ClientCredentialsRecord>) {
  const load = jest.fn(async (id: string) => rows.get(id) ?? null);
  return load;
}

function cache(ttlSeconds: number, clock: Clock, redis: Redis | null = null): ClientCache {
  const connection = { client: redis } as RedisConnection;
  const c = new ClientCache({ clientTtlSeconds: ttlSeconds }, connection, clock);
  c.onModuleInit();
  return c;
}

describe(ClientCache.name, () => {
  let clock: ManualClock;
  let rows: Map<string, ClientCredentialsRecord>;

  beforeEach(() => {
    clock = new ManualClock();
    rows = new Map([['c1', record('read')]]);
  });

  it('loads a client once and serves it from memory within the TTL', async () => {
    const c = cache(60, clock);
    const load = loader(rows);

    expect((await c.get('c1', load))?.client.scope).toBe('read');
    rows.set('c1', record('read write'));
    clock.at += 59_999;
    expect((await c.get('c1', load))?.client.scope).toBe('read');
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('loads again once the TTL has passed', async () => {
    const c = cache(60, clock);
    const load = loader(rows);
    await c.get('c1', load);
    rows.set('c1', record('read write'));

    clock.at += 60_000;

    expect((await c.get('c1', load))?.client.scope).toBe('read write');
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('does not cache a client that does not exist', async () => {
    const c = cache(60, clock);
    const load = loader(rows);
    expect(await c.get('c2', load)).toBeNull();
    rows.set('c2', record('late'));
    expect((await c.get('c2', load))?.client.scope).toBe('late');
  });

  it('drops a client on invalidate', async () => {
    const c = cache(60, clock);
    const load = loader(rows);
    await c.get('c1', load);
    rows.delete('c1');

    await c.invalidate('c1');

    expect(await c.get('c1', load)).toBeNull();
  });

  it('does not keep what a load read before an invalidation that came while it ran', async () => {
    const c = cache(60, clock);
    let release!: () => void;
    const slow = async () => {
      const stale = record('stale');
      await new Promise<void>((r) => (release = r));
      return stale;
    };
    const pending = c.get('c1', slow);
    await c.invalidate('c1');
    release();
    expect((await pending)?.client.scope).toBe('stale');

    expect((await c.get('c1', loader(rows)))?.client.scope).toBe('read');
  });

  it('reads the database every time when CLIENT_CACHE_TTL is 0', async () => {
    const c = cache(0, clock);
    const load = loader(rows);
    await c.get('c1', load);
    await c.get('c1', load);
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('freezes cached registrations so that no request can change another one', async () => {
    const c = cache(60, clock);
    const found = await c.get('c1', loader(rows));
    expect(Object.isFrozen(found?.client)).toBe(true);
  });

  describe('with Redis', () => {
    const url = 'redis://127.0.0.1:6379';
    const opened: Redis[] = [];
    const caches: ClientCache[] = [];
    const connect = (u = url) => {
      const r = new Redis(u, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: false });
      r.on('error', () => undefined);
      opened.push(r);
      return r;
    };
    const instance = (redis: Redis) => {
      const c = cache(60, clock, redis);
      caches.push(c);
      return c;
    };
    const ready = (r: Redis) =>
      r.status === 'ready' ? Promise.resolve() : new Promise<void>((resolve) => r.once('ready', () => resolve()));

    afterEach(() => {
      caches.splice(0).forEach((c) => c.onApplicationShutdown());
      opened.splice(0).forEach((r) => r.disconnect());
    });

    it('drops the client on every instance when one invalidates it', async () => {
      const [ra, rb] = [connect(), connect()];
      const [a, b] = [instance(ra), instance(rb)];
      await Promise.all([ready(ra), ready(rb)]);
      // The subscribers connect on their own: wait until both serve from memory.
      await waitFor(async () => {
        const load = loader(rows);
        await a.get('c1', load);
        await b.get('c1', load);
        await a.get('c1', load);
        await b.get('c1', load);
        return load.mock.calls.length === 0;
      });
      rows.set('c1', record('changed'));

      await a.invalidate('c1');

      await waitFor(async () => (await b.get('c1', loader(rows)))?.client.scope === 'changed');
      expect((await a.get('c1', loader(rows)))?.client.scope).toBe('changed');
    });

    it('serves nothing from memory while the subscription is down', async () => {
      const c = instance(connect('redis://127.0.0.1:1'));
      const load = loader(rows);
      await c.get('c1', load);
      await c.get('c1', load);
      expect(load).toHaveBeenCalledTimes(2);
    });
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 3000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
