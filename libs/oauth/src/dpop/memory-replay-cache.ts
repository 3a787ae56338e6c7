import { DpopReplayCache } from './dpop-proof.js';

/**
 * The replay cache of one instance. Entries live for a fixed time after insertion, so insertion order
 * is expiry order and the oldest are dropped from the front as new ones arrive.
 */
export class MemoryDpopReplayCache extends DpopReplayCache {
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
    if (this.expiries.has(key)) return Promise.resolve(false);
    this.expiries.set(key, now + ttlMs);
    return Promise.resolve(true);
  }
}
