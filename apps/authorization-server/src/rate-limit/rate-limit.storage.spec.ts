import { Clock } from '#config';
import { MAX_LOCAL_KEYS, RateLimitStorage } from './rate-limit.storage.js';
import type { RedisConnection } from '../redis/redis.provider.js';

class ManualClock extends Clock {
  at = Date.parse('2030-01-01T00:00:00Z');
  override now(): number {
    return this.at;
  }
}

const WINDOW_MS = 60_000;

describe(RateLimitStorage.name, () => {
  let clock: ManualClock;
  let store: RateLimitStorage;

  beforeEach(() => {
    clock = new ManualClock();
    store = new RateLimitStorage({ client: null } as RedisConnection, clock);
  });

  /** Adds `count` keys no one has used before. */
  const flood = async (prefix: string, count: number) => {
    for (let i = 0; i < count; i++) await store.increment(`${prefix}:${i}`, WINDOW_MS);
  };
  const size = () => (store as unknown as { local: Map<string, unknown> }).local.size;

  it('keeps the count of a key in use through a flood of new keys', async () => {
    for (let i = 0; i < 5; i++) await store.increment('login:user:victim', WINDOW_MS);
    for (let round = 0; round < 4; round++) {
      await flood(`made-up-${round}`, MAX_LOCAL_KEYS / 2);
      await store.increment('login:user:victim', WINDOW_MS);
    }
    expect(await store.peek('login:user:victim')).toEqual({ hits: 9, resetInMs: WINDOW_MS });
  });

  it('never holds more than MAX_LOCAL_KEYS windows, forgetting the least recently hit first', async () => {
    await store.increment('idle', WINDOW_MS);
    await store.increment('busy', WINDOW_MS);
    await flood('filler', MAX_LOCAL_KEYS - 2);
    expect(size()).toBe(MAX_LOCAL_KEYS);
    await store.increment('busy', WINDOW_MS);
    await store.increment('newcomer', WINDOW_MS);
    expect(size()).toBe(MAX_LOCAL_KEYS);
    expect((await store.peek('idle')).hits).toBe(0);
    expect((await store.peek('busy')).hits).toBe(2);
    expect((await store.peek('newcomer')).hits).toBe(1);
    expect((await store.peek('filler:0')).hits).toBe(1);
  });

  it('starts a new window once the old one has closed', async () => {
    for (let i = 0; i < 3; i++) await store.increment('k', WINDOW_MS);
    clock.at += WINDOW_MS;
    expect(await store.increment('k', WINDOW_MS)).toEqual({ hits: 1, resetInMs: WINDOW_MS });
  });

  it('gives a hit back within the window, never below zero nor into a closed window', async () => {
    await store.increment('k', WINDOW_MS);
    await store.increment('k', WINDOW_MS);
    await store.giveBack('k');
    expect((await store.peek('k')).hits).toBe(1);
    await store.giveBack('k');
    await store.giveBack('k');
    expect((await store.peek('k')).hits).toBe(0);
    clock.at += WINDOW_MS;
    await store.giveBack('k');
    expect(await store.increment('k', WINDOW_MS)).toEqual({ hits: 1, resetInMs: WINDOW_MS });
  });
});
